import type { Type } from '@nestjs/common';
import { ToolsAccountModule } from '@app/tools-account';
import { ToolsNotesModule } from '@app/tools-notes';

/**
 * The tool modules the deployable serves on /mcp. Adding a tool library is one line here (see
 * docs/tools.md, "Add a tool"); its tools and scopes join the catalog when its module is imported.
 */
export const TOOL_MODULES: readonly Type[] = [ToolsAccountModule, ToolsNotesModule];
