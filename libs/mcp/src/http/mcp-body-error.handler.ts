import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { McpHttpError } from './mcp-errors';

/**
 * A body the JSON parser refuses never reaches the /mcp route, so McpExceptionFilter cannot shape it.
 * This Express error middleware answers for /mcp only, with a JSON-RPC parse error (-32700) instead of
 * the framework's generic 400 body (same pattern as OAuthModule's OAuthBodyErrorHandler).
 */
@Injectable()
export class McpBodyErrorHandler implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance<{ use?: (fn: unknown) => void }>();
    if (typeof instance?.use !== 'function') return;
    instance.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
      const status = (error as { status?: number })?.status;
      if (req.path !== '/mcp' || typeof status !== 'number' || status >= 500 || res.headersSent) {
        next(error);
        return;
      }
      const tooLarge = status === 413;
      const body = new McpHttpError(
        tooLarge ? 413 : 400,
        tooLarge ? 'Request body too large' : 'Parse error',
      ).body();
      res
        .status(tooLarge ? 413 : 400)
        .setHeader('Cache-Control', 'no-store')
        .json({ ...body, error: { ...body.error, code: tooLarge ? -32600 : -32700 } });
    });
  }
}
