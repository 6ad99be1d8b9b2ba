import { ZodError } from 'zod';
import {
  JSONRPCMessageSchema,
  type JSONRPCMessage,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RpcId } from '../http/mcp-errors';
import { isObject, type Json, type McpRpcResponse } from './dispatch-types';
import { ErrorCodes, JsonRpcError } from './modern';

const SSE_HEADERS = Object.freeze({ 'X-Accel-Buffering': 'no' });

/**
 * Any error of a handler as the JSON-RPC error to send: JsonRpcError as is; a request that fails the
 * SDK's zod schema is -32602 Invalid params with a short message (never a validation dump); anything
 * else -32603 without details (they go to the log).
 */
export function toRpcError(error: unknown): JsonRpcError {
  if (error instanceof JsonRpcError) return error;
  if (error instanceof ZodError) {
    const first = error.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    return new JsonRpcError(
      ErrorCodes.InvalidParams,
      `Invalid params: ${where}${first?.message ?? 'malformed request'}`.slice(0, 200),
    );
  }
  const e = error as { code?: unknown; message?: unknown };
  if (Number.isSafeInteger(e.code) && typeof e.message === 'string') {
    return new JsonRpcError(e.code as number, e.message);
  }
  return new JsonRpcError(ErrorCodes.InternalError, 'Internal error');
}

/**
 * The answer: plain JSON, or, when the request produced notifications (progress, log messages), an
 * SSE stream of those notifications followed by the response (Streamable HTTP §Receiving Messages).
 */
export function respond(status: number, message: unknown, notifications: readonly Json[]): McpRpcResponse {
  if (notifications.length === 0) return { status, body: JSON.stringify(message) };
  let body = '';
  for (const n of [...notifications, message]) body += `event: message\ndata: ${JSON.stringify(n)}\n\n`;
  // Streamable HTTP §Receiving Messages: SSE answers SHOULD carry X-Accel-Buffering: no.
  return { status, body, contentType: 'text/event-stream', headers: SSE_HEADERS };
}

export function rpcError(
  error: JsonRpcError,
  id: RpcId | null,
  notifications: readonly Json[] = [],
): McpRpcResponse {
  return respond(
    error.status,
    {
      jsonrpc: '2.0',
      id,
      error: {
        code: error.code,
        message: error.message,
        ...(error.data !== undefined && { data: error.data }),
      },
    },
    notifications,
  );
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const CALL_PARAMS_KEYS = new Set(['name', 'arguments']);

/**
 * JSONRPCMessageSchema.parse, with the common case decided without zod: a request whose fields are
 * exactly what JSONRPCRequestSchema (strict) accepts and whose params carry no `_meta` (the only
 * params field the schema constrains). Anything else goes through the SDK schema.
 */
export function parseMessage(raw: unknown): JSONRPCMessage {
  if (isObject(raw) && raw.jsonrpc === '2.0' && typeof raw.method === 'string') {
    const { id, params } = raw;
    let plain = typeof id === 'string' || Number.isSafeInteger(id);
    plain &&= params === undefined || (isObject(params) && !('_meta' in params));
    if (plain) for (const key in raw) if (!REQUEST_KEYS.has(key)) plain = false;
    if (plain) return raw as unknown as JSONRPCRequest;
  }
  return JSONRPCMessageSchema.parse(raw);
}

/** CallToolRequestParamsSchema's common case: a string name and plain-object (or no) arguments only. */
export function isPlainCallParams(
  params: unknown,
): params is { name: string; arguments?: Record<string, unknown> } {
  if (!isObject(params) || typeof params.name !== 'string') return false;
  if (params.arguments !== undefined && !isObject(params.arguments)) return false;
  for (const key in params) if (!CALL_PARAMS_KEYS.has(key)) return false;
  return true;
}

export function transportError(
  status: number,
  code: number,
  message: string,
  id: RpcId | null = null,
): McpRpcResponse {
  return { status, body: JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }) };
}
