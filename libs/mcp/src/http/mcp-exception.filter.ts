import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { McpEndpoint } from './mcp-endpoint.service';

/**
 * Every error of the /mcp routes becomes a JSON-RPC error body with the right status and headers,
 * `Cache-Control: no-store`, and never a stack trace or Nest's generic body (McpEndpoint.toHttpError).
 */
@Catch()
export class McpExceptionFilter implements ExceptionFilter {
  constructor(private readonly endpoint: McpEndpoint) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const error = this.endpoint.toHttpError(
      exception,
      exception instanceof HttpException ? exception.getStatus() : undefined,
    );
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
