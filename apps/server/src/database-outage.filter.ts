import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { databaseOutage, isBadInputForDatabase } from '@app/persistence';

/**
 * App-wide last resort: a database outage becomes a fast 503 with Retry-After (the process recovers by
 * itself when PostgreSQL is back); everything else keeps Nest's handling. Controllers with their own
 * filters (the OAuth endpoints) and the edge's routes (/mcp, token) map outages to their own wire format.
 */
@Catch()
export class DatabaseOutageFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const outage = host.getType() === 'http' ? databaseOutage(exception) : undefined;
    if (outage !== undefined) {
      const res = host.switchToHttp().getResponse<Response>();
      if (!res.headersSent) {
        // Nest's error body shape, with the outage mapper's status and headers.
        res.status(outage.status).set(outage.headers).set('Cache-Control', 'no-store').json({
          statusCode: outage.status,
          error: 'service_unavailable',
          message: outage.description,
        });
        return;
      }
    }
    if (host.getType() === 'http' && isBadInputForDatabase(exception)) {
      // PostgreSQL refused a value of the request (NUL, unpaired surrogate, out-of-range number): the
      // request was bad, so a 400 without internals, never a 500 with a stack trace.
      const res = host.switchToHttp().getResponse<Response>();
      if (!res.headersSent) {
        res.status(400).set('Cache-Control', 'no-store').json({
          statusCode: 400,
          error: 'bad_request',
          message: 'The request contains a value that is not allowed',
        });
        return;
      }
    }
    super.catch(exception, host);
  }
}
