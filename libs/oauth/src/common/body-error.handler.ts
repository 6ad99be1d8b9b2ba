import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { isOAuthCorsPath, OAUTH_CORS_HEADERS } from './cors.middleware';
import { InvalidClientMetadataError, InvalidRequestError, toWireError } from './oauth-errors';

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
}

/**
 * A body the parser refuses (malformed JSON, wrong charset, too large) never reaches a controller,
 * so the routes' OAuth filters cannot shape it. This Express error middleware sits after the routes
 * and before Nest's own handler, and answers for the OAuth JSON endpoints only, with an RFC body.
 */
@Injectable()
export class OAuthBodyErrorHandler implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance<{ use?: (fn: unknown) => void }>();
    if (typeof instance?.use !== 'function') return;
    instance.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
      const status = (error as HttpError)?.status ?? (error as HttpError)?.statusCode;
      if (
        !req.path.startsWith('/api/oauth/') ||
        typeof status !== 'number' ||
        status >= 500 ||
        res.headersSent
      ) {
        next(error);
        return;
      }
      // The router's "Failed to decode param": a path segment that is not valid percent-encoded UTF-8.
      const message =
        error instanceof Error && error.message.startsWith('Failed to decode param')
          ? 'The request path could not be decoded (invalid percent-encoding or UTF-8)'
          : 'The request body could not be parsed';
      const typed =
        req.path === '/api/oauth/register' && req.method === 'POST'
          ? new InvalidClientMetadataError(message)
          : new InvalidRequestError(message);
      const wire = toWireError(typed);
      // The route's CORS middleware never ran (the parser runs first): a browser client must still be
      // able to read why its request was refused.
      if (isOAuthCorsPath(req.path)) res.set(OAUTH_CORS_HEADERS);
      res
        .status(status === 413 ? 413 : 400)
        .set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' })
        .json(wire.body);
    });
  }
}
