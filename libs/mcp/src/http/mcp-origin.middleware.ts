import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { McpHttpError } from './mcp-errors';

/**
 * TR-02 / LB-08: browsers send Origin; a page on a foreign origin (DNS rebinding) must not reach /mcp.
 * Allowed: PUBLIC_URL's origin (never derived from Host) and MCP_ALLOWED_ORIGINS. A present but
 * unknown Origin is a 403; no Origin (a native client) is fine: the bearer token still decides.
 * Allowed origins get CORS headers, including the WWW-Authenticate challenge a browser client must read.
 */
@Injectable()
export class McpOriginMiddleware implements NestMiddleware {
  private readonly allowed: ReadonlySet<string>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = new Set([new URL(config.publicUrl).origin, ...config.mcpAllowedOrigins]);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (origin !== undefined) {
      if (!this.allowed.has(origin)) {
        const error = new McpHttpError(403, 'Forbidden: Origin not allowed');
        res.status(error.status).setHeader('Cache-Control', 'no-store');
        res.json(error.body());
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    }
    if (req.method === 'OPTIONS') {
      // CORS preflight: carries no credentials by definition, so it is answered before the bearer guard.
      res.status(204);
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader(
        'Access-Control-Allow-Headers',
        'Authorization, Content-Type, Accept, MCP-Protocol-Version',
      );
      res.setHeader('Access-Control-Max-Age', '600');
      res.setHeader('Allow', 'POST');
      res.end();
      return;
    }
    next();
  }
}
