import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { McpHttpError } from './mcp-errors';

/** What McpOriginPolicy decides for one request: headers to add, and a refusal if the Origin is foreign. */
export interface OriginDecision {
  readonly headers: readonly (readonly [string, string])[];
  readonly refusal?: McpHttpError;
}

const VARY_ONLY: OriginDecision = Object.freeze({ headers: Object.freeze([['Vary', 'Origin'] as const]) });

/** The CORS preflight answer's headers (besides the origin ones). */
export const PREFLIGHT_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  ['Access-Control-Allow-Methods', 'POST'],
  ['Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, MCP-Protocol-Version'],
  ['Access-Control-Max-Age', '600'],
  ['Allow', 'POST'],
]);

/**
 * TR-02 / LB-08: browsers send Origin; a page on a foreign origin (DNS rebinding) must not reach /mcp.
 * Allowed: PUBLIC_URL's origin (never derived from Host) and MCP_ALLOWED_ORIGINS. A present but
 * unknown Origin is a 403; no Origin (a native client) is fine: the bearer token still decides.
 * Allowed origins get CORS headers, including the WWW-Authenticate challenge a browser client must read.
 */
@Injectable()
export class McpOriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = new Set([new URL(config.publicUrl).origin, ...config.mcpAllowedOrigins]);
  }

  decide(origin: string | undefined): OriginDecision {
    if (origin === undefined) return VARY_ONLY;
    if (!this.allowed.has(origin)) {
      return { headers: VARY_ONLY.headers, refusal: new McpHttpError(403, 'Forbidden: Origin not allowed') };
    }
    return {
      headers: [
        ['Vary', 'Origin'],
        ['Access-Control-Allow-Origin', origin],
        ['Access-Control-Expose-Headers', 'WWW-Authenticate'],
      ],
    };
  }
}
