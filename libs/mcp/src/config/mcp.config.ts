import { Transform } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';
import { blankToUndefined, defineConfigSlice, list, type AppConfig } from '@app/config';

/** Browser access to /mcp. */
export class McpEnvironment {
  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  MCP_ALLOWED_ORIGINS?: string;
}

declare module '@app/config' {
  interface AppConfig {
    /** Origins (scheme://host[:port]) allowed to call /mcp from a browser, besides the public origin. */
    readonly mcpAllowedOrigins: readonly string[];
  }
}

/** The entries of MCP_ALLOWED_ORIGINS as origins, and a problem for each entry that is not one. */
function parseOrigins(value: string | undefined): { origins: string[]; problems: string[] } {
  const origins: string[] = [];
  const problems: string[] = [];
  for (const origin of list(value)) {
    try {
      const parsed = new URL(origin);
      if (parsed.origin === 'null' || parsed.origin !== origin.replace(/\/$/, ''))
        throw new Error('not an origin');
      origins.push(parsed.origin);
    } catch {
      problems.push(
        `MCP_ALLOWED_ORIGINS entry "${origin}" must be an origin such as https://app.example.com`,
      );
    }
  }
  return { origins, problems };
}

export const MCP_CONFIG = defineConfigSlice({
  schema: McpEnvironment,
  variables: {
    MCP_ALLOWED_ORIGINS: {
      meaning: "browser origins allowed to call `/mcp` besides `PUBLIC_URL`'s own (comma list)",
      default: 'unset',
    },
  },
  check: (env) => parseOrigins(env.MCP_ALLOWED_ORIGINS).problems,
  map: (env): Pick<AppConfig, 'mcpAllowedOrigins'> => ({
    mcpAllowedOrigins: parseOrigins(env.MCP_ALLOWED_ORIGINS).origins,
  }),
});
