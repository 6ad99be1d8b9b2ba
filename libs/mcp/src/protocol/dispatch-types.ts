import type { IncomingHttpHeaders } from 'node:http';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpCaller } from '../tools/tool-types';

/** Where a request came from, for the audit log. */
export interface RequestContext {
  readonly ip: string | null;
}

export type ToolCallOutcome =
  | 'ok'
  | 'tool_error'
  | 'error'
  | 'invalid_input'
  | 'unknown_tool'
  | 'insufficient_scope'
  | 'unavailable'
  | 'input_required';

/** The request headers the Streamable HTTP rules look at (never Authorization, RS-TOK-06). */
export interface McpTransportHeaders {
  readonly accept: string | undefined;
  readonly contentType: string | undefined;
  /** All request headers (the modern era reads MCP-Protocol-Version, Mcp-Method, Mcp-Name). */
  readonly all?: IncomingHttpHeaders;
}

/**
 * What one POST /mcp answers: a status and a body (none: 202), JSON unless `contentType` says
 * `text/event-stream` (a request's own SSE stream: its notifications, then its response).
 */
export interface McpRpcResponse {
  readonly status: number;
  readonly body: string | undefined;
  readonly contentType?: 'application/json' | 'text/event-stream';
  /** More response headers (an SSE answer asks proxies not to buffer it). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type Json = Record<string, unknown>;

/** What one tools/call brings besides name and arguments. */
export interface CallOptions {
  readonly modern: boolean;
  readonly clientCapabilities: Json;
  readonly inputResponses: unknown;
  readonly requestState: unknown;
  readonly progressToken: string | number | undefined;
  readonly logLevel: string | undefined;
  /** Collects the notifications sent on the request's own stream. */
  readonly notify: (notification: Json) => void;
}

export type Handler = (
  request: JSONRPCRequest,
  caller: McpCaller,
  context: RequestContext,
  notify: Notify,
) => unknown;
export type Notify = (notification: Json) => void;

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
