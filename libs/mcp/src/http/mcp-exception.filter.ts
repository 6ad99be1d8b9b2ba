import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '@app/persistence';
import { McpHttpError } from './mcp-errors';

/**
 * Every error of the /mcp routes becomes a JSON-RPC error body with the right status and headers,
 * `Cache-Control: no-store`, and never a stack trace or Nest's generic body.
 */
@Catch()
export class McpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('McpEndpoint');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    let error: McpHttpError;
    if (exception instanceof McpHttpError) {
      error = exception;
    } else if (isDatabaseUnavailable(exception)) {
      // The token could not be checked: a fast, retryable 503 — never a 401 that would make the client
      // throw its tokens away.
      this.logger.warn('database unavailable while serving /mcp');
      error = new McpHttpError(503, 'Service temporarily unavailable', {
        'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS),
      });
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      error = new McpHttpError(exception.getStatus(), 'Bad Request');
    } else {
      this.logger.error(
        `unexpected error: ${exception instanceof Error ? exception.message : String(exception)}`,
        exception instanceof Error ? exception.stack : undefined,
      );
      error = new McpHttpError(500, 'Internal error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(error.status);
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    res.json(error.body());
  }
}
