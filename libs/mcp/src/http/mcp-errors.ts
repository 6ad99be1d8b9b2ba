import { NO_HEADERS, ServiceError } from '@app/errors';

/** A JSON-RPC request id (MCP: a string or an integer, never null). */
export type RpcId = string | number;

/** The JSON-RPC side of an HTTP-level error: the request's id when it could be read, code and data. */
export interface McpRpcErrorFields {
  readonly id?: RpcId | null;
  readonly code?: number;
  readonly data?: unknown;
}

/**
 * An HTTP-level answer of the /mcp endpoint that is not a JSON-RPC result: auth challenges (RFC 6750
 * §3), a rejected Origin (TR-02), an unsupported protocol version (TR-09), a wrong method (TR-05).
 * The body is a JSON-RPC error response; its `id` is the request's whenever the body was read
 * (MCP 2026-07-28 basic §Error Responses), `null` otherwise. The OAuth error code, when there is one,
 * lives in WWW-Authenticate where RFC 6750 puts it. McpRoute writes it (the /mcp renderer of ServiceError:
 * the description is the JSON-RPC message).
 */
export class McpHttpError extends ServiceError {
  constructor(
    readonly status: number,
    message: string,
    headers: Readonly<Record<string, string>> = NO_HEADERS,
    readonly rpc: McpRpcErrorFields = {},
  ) {
    super(message, undefined, Object.freeze(headers));
  }

  /** The same answer for a request whose id is known. */
  forRequest(id: RpcId | null | undefined): McpHttpError {
    if (id === undefined || id === null) return this;
    return new McpHttpError(this.status, this.message, this.headers, { ...this.rpc, id });
  }

  /** The JSON-RPC error body; `requestId` (the id read from the request) wins over a missing one. */
  body(requestId?: RpcId | null): {
    jsonrpc: '2.0';
    error: { code: number; message: string; data?: unknown };
    id: RpcId | null;
  } {
    const error: { code: number; message: string; data?: unknown } = {
      code: this.rpc.code ?? -32000,
      message: this.message,
    };
    if (this.rpc.data !== undefined) error.data = this.rpc.data;
    return { jsonrpc: '2.0', error, id: this.rpc.id ?? requestId ?? null };
  }
}
