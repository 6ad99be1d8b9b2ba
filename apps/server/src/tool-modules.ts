import type { Type } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { ToolsAccountModule } from '@app/tools-account';
import { ToolsGithubModule } from '@app/tools-github';
import { ToolsNotesModule } from '@app/tools-notes';

/** A tool module served always, or only when the configuration turns it on. */
export type ToolModuleEntry =
  Type | { readonly module: Type; readonly enabled: (config: AppConfig) => boolean };

/**
 * The tool modules the deployable serves on /mcp. Adding a tool library is one line here (see
 * docs/tools.md, "Add a tool"); its tools and scopes join the catalog when its module is imported.
 */
export const TOOL_MODULES: readonly ToolModuleEntry[] = [
  ToolsAccountModule,
  ToolsNotesModule,
  // Opt-in (GITHUB_TOOLS): its tool makes GitHub sign-in ask for more access and keep the token (UP-11).
  { module: ToolsGithubModule, enabled: (config) => config.githubTools },
];

/** The modules of TOOL_MODULES this configuration serves. */
export function toolModules(config: AppConfig): Type[] {
  return TOOL_MODULES.flatMap((entry) =>
    typeof entry === 'function' ? [entry] : entry.enabled(config) ? [entry.module] : [],
  );
}
