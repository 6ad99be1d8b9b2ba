import { Transform } from 'class-transformer';
import { IsBooleanString, IsOptional } from 'class-validator';
import { blankToUndefined, defineConfigSlice } from '@app/config';

/** Which optional tool modules of TOOL_MODULES the deployable serves. */
export class ToolModulesEnvironment {
  @IsOptional()
  @Transform(blankToUndefined)
  @IsBooleanString({ message: 'GITHUB_TOOLS must be true or false' })
  GITHUB_TOOLS?: string;
}

declare module '@app/config' {
  interface AppConfig {
    /**
     * GITHUB_TOOLS: serve libs/tools-github (github_repos), whose tool acts on the person's own GitHub
     * account; GitHub sign-in then asks for its scopes too and keeps the token, sealed (UP-11).
     */
    readonly githubTools: boolean;
  }
}

export const TOOL_MODULES_CONFIG = defineConfigSlice({
  schema: ToolModulesEnvironment,
  variables: {
    GITHUB_TOOLS: {
      meaning:
        "serve the `github_repos` tool: GitHub sign-in then also asks for `repo` and keeps the person's GitHub token, encrypted ([upstream-tokens.md](upstream-tokens.md))",
      default: '`false`',
    },
  },
  map: (env) => ({ githubTools: env.GITHUB_TOOLS === 'true' }),
});
