import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { McpRpcResponse, McpTransportHeaders } from './dispatch-types';
import { transportError } from './json-rpc-answers';
import { readId } from './modern';

/** Streamable HTTP: the client must accept JSON and SSE, and send JSON (406, 415), with a body (400). */
export function transportChecks(body: unknown, headers: McpTransportHeaders): McpRpcResponse | undefined {
  const accept = headers.accept;
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
    return transportError(
      406,
      -32000,
      'Not Acceptable: Client must accept both application/json and text/event-stream',
      readId(body),
    );
  }
  if (!isJsonContentType(headers.contentType)) {
    return transportError(
      415,
      -32000,
      'Unsupported Media Type: Content-Type must be application/json',
      readId(body),
    );
  }
  if (body === undefined) return transportError(400, -32700, 'Parse error: Invalid JSON');
  return undefined;
}
