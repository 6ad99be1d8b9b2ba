import { json, type RequestHandler } from 'express';
import { McpHttpError } from './mcp-errors';

/**
 * JSON body parsing for /mcp that answers a malformed body with a JSON-RPC parse error (-32700) instead
 * of the framework's generic 400. Mount it before Nest's own parser (which then skips the parsed body):
 * `app.use('/mcp', mcpBodyParser())` in the bootstrap, before `app.init()`.
 */
export function mcpBodyParser(options: { limit?: string } = {}): RequestHandler {
  const parse = json({ limit: options.limit ?? '1mb' });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      const status = (error as { status?: number }).status === 413 ? 413 : 400;
      const body = new McpHttpError(status, status === 413 ? 'Request body too large' : 'Parse error').body();
      res
        .status(status)
        .setHeader('Cache-Control', 'no-store')
        .json({ ...body, error: { ...body.error, code: status === 413 ? -32600 : -32700 } });
    });
  };
}
