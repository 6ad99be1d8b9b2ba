import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  isInitializeRequest,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  type CallToolResult,
  type InitializeResult,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type ListToolsResult,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { hasUnstorableJson, isBadInputForDatabase, isDatabaseUnavailable } from '@app/persistence';
import { McpAuthService } from '../auth/mcp-auth.service';
import { ToolCatalog, type ToolListEntry } from '../tools/tool-catalog';
import { ToolError, type McpCaller, type ToolOutput } from '../tools/tool-types';
import { negotiateProtocolVersion } from './protocol-versions';

/** Where a request came from, for the audit log. */
export interface RequestContext {
  readonly ip: string | null;
}

export type ToolCallOutcome =
  'ok' | 'tool_error' | 'error' | 'invalid_input' | 'unknown_tool' | 'insufficient_scope' | 'unavailable';

/** The request headers the Streamable HTTP rules look at (never Authorization, RS-TOK-06). */
export interface McpTransportHeaders {
  readonly accept: string | undefined;
  readonly contentType: string | undefined;
}

/** What one POST /mcp answers: a status, a JSON body (or none: 202) and its content type. */
export interface McpRpcResponse {
  readonly status: number;
  readonly body: string | undefined;
}

const CAPABILITIES: ServerCapabilities = Object.freeze({ tools: Object.freeze({ listChanged: false }) });

/** The SDK transport's batch limit (server/requestBody MAX_BATCH_SIZE). */
const MAX_BATCH_SIZE = 100;

const UNAVAILABLE = 'The service is temporarily unavailable. Try again in a few seconds.';
const GENERIC_FAILURE = 'The tool failed unexpectedly. The server log has the details.';

type Handler = (request: JSONRPCRequest, caller: McpCaller, context: RequestContext) => unknown;

/**
 * JSON-RPC dispatch for one stateless /mcp request (LB-02: no session, any replica serves any
 * request). It follows the MCP SDK's Streamable HTTP server transport and `Server` exactly (same
 * checks, status codes, messages and validation with the SDK's own zod schemas: 406, 415, 400
 * -32700/-32600, 202 for notifications, -32601 unknown method, ping) but builds nothing per request:
 * the SDK's per-request Server + transport + Web Request/Response objects cost more than the whole
 * tool call (issue #7 profile). Everything that does not depend on the caller is built once, at boot:
 * the tools/list entries with their JSON schemas, the zod input schemas, the capabilities.
 */
@Injectable()
export class McpDispatcher {
  private readonly logger = new Logger('McpTools');
  private readonly serverInfo: { name: string; version: string };
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly auth: McpAuthService,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.serverInfo = { name: config.productName, version: '0.1.0' };
    // Each handler validates its request with the SDK schema first, as Protocol.setRequestHandler does.
    this.handlers = new Map<string, Handler>([
      ['ping', (request) => (PingRequestSchema.parse(request), {})],
      [
        'initialize',
        (request) => this.initialize(InitializeRequestSchema.parse(request).params.protocolVersion),
      ],
      ['tools/list', (request, caller) => (ListToolsRequestSchema.parse(request), this.listTools(caller))],
      ['tools/call', (request, caller, context) => this.callToolRequest(request, caller, context)],
    ]);
  }

  /**
   * The Streamable HTTP POST rules after authentication (the SDK transport's handlePostRequest in JSON
   * response mode): Accept and Content-Type checks, JSON-RPC validation, then every request of the
   * message (or batch) answered; notifications and responses only: 202 without a body.
   */
  async handle(
    body: unknown,
    headers: McpTransportHeaders,
    caller: McpCaller,
    context: RequestContext,
  ): Promise<McpRpcResponse> {
    const accept = headers.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
      return transportError(
        406,
        -32000,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    if (!isJsonContentType(headers.contentType)) {
      return transportError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    if (body === undefined) return transportError(400, -32700, 'Parse error: Invalid JSON');
    if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
      return transportError(400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    }
    let messages: JSONRPCMessage[];
    try {
      messages = Array.isArray(body) ? body.map(parseMessage) : [parseMessage(body)];
    } catch {
      return transportError(400, -32700, 'Parse error: Invalid JSON-RPC message');
    }
    if (messages.length > 1 && messages.some(isInitializeRequest)) {
      return transportError(400, -32600, 'Invalid Request: Only one initialization request is allowed');
    }
    // Validated messages: one with both `method` and `id` can only be a request (the others are strict).
    const requests = messages.filter((m): m is JSONRPCRequest => 'method' in m && 'id' in m);
    // Notifications (initialized, cancelled) and client responses need no action in a stateless server.
    if (requests.length === 0) return { status: 202, body: undefined };
    const responses = await Promise.all(requests.map((r) => this.answer(r, caller, context)));
    return { status: 200, body: JSON.stringify(responses.length === 1 ? responses[0] : responses) };
  }

  /** One request's response message, shaped like the SDK Protocol's (result, or error code/message). */
  private async answer(
    request: JSONRPCRequest,
    caller: McpCaller,
    context: RequestContext,
  ): Promise<unknown> {
    const handler = this.handlers.get(request.method);
    if (!handler) {
      return {
        jsonrpc: '2.0',
        id: request.id,
        error: { code: ErrorCode.MethodNotFound, message: 'Method not found' },
      };
    }
    try {
      const result = await handler(request, caller, context);
      return { result, jsonrpc: '2.0', id: request.id };
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown; data?: unknown };
      return {
        jsonrpc: '2.0',
        id: request.id,
        error: {
          code: Number.isSafeInteger(e.code) ? e.code : ErrorCode.InternalError,
          message: e.message ?? 'Internal error',
          ...(e.data !== undefined && { data: e.data }),
        },
      };
    }
  }

  /** tools/call as the SDK Server wraps it: the request validated (CallToolRequestSchema), then called. */
  private callToolRequest(
    request: JSONRPCRequest,
    caller: McpCaller,
    context: RequestContext,
  ): Promise<CallToolResult> {
    const params = isPlainCallParams(request.params)
      ? request.params
      : CallToolRequestSchema.parse(request).params;
    // No result validation (the SDK Server checks results against CallToolResultSchema): every result
    // is built here by toResult/errorResult, which only produce valid ones (mcp-dispatcher.spec.ts).
    return this.callTool(params.name, params.arguments, caller, context);
  }

  initialize(requestedVersion: unknown): InitializeResult {
    return {
      protocolVersion: negotiateProtocolVersion(requestedVersion),
      capabilities: CAPABILITIES,
      serverInfo: this.serverInfo,
    };
  }

  /** Only the tools whose scopes the token covers (ARCHITECTURE: MCP flow). */
  listTools(caller: McpCaller): ListToolsResult {
    const tools: ToolListEntry[] = [];
    for (const tool of this.catalog.tools()) {
      if (this.auth.allows(caller, tool.requiredScopes)) tools.push(tool.listEntry);
    }
    return { tools };
  }

  async callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    caller: McpCaller,
    context: RequestContext,
  ): Promise<CallToolResult> {
    const started = performance.now();
    const tool = this.catalog.tool(name);
    const record = (outcome: ToolCallOutcome) =>
      this.recordCall(tool ? name : null, outcome, started, caller, context);
    if (!tool) {
      record('unknown_tool');
      // MCP tools spec, "Error Handling": an unknown tool is a protocol error, -32602 Invalid params.
      throw new JsonRpcError(ErrorCode.InvalidParams, `Unknown tool: ${name.slice(0, 128)}`);
    }
    if (!this.auth.allows(caller, tool.requiredScopes)) {
      // The HTTP layer answers 403 before dispatch (RS-SC-04); this only guards against a bypass.
      record('insufficient_scope');
      throw new JsonRpcError(ErrorCode.InvalidRequest, 'insufficient_scope');
    }
    if (hasUnstorableJson(args)) {
      // A NUL byte or an unpaired surrogate in any argument: no tool could store or echo it faithfully.
      record('invalid_input');
      return errorResult(
        `Invalid arguments for ${name}: a value contains a NUL character or invalid Unicode (a lone surrogate)`,
      );
    }
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      record('invalid_input');
      // MCP 2025-11-25: input validation errors are tool execution errors, so the model can correct itself.
      const problems = parsed.error.issues.map(
        (i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`,
      );
      return errorResult(`Invalid arguments for ${name}: ${problems.join('; ')}`);
    }
    try {
      const output = await tool.invoke(parsed.data, caller);
      const result = toResult(output);
      record('ok');
      return result;
    } catch (error) {
      if (error instanceof ToolError) {
        record('tool_error');
        return errorResult(error.message);
      }
      if (isDatabaseUnavailable(error)) {
        record('unavailable');
        this.logger.warn(`tool ${name}: database unavailable`);
        return errorResult(UNAVAILABLE);
      }
      if (isBadInputForDatabase(error)) {
        // PostgreSQL refused an argument (a NUL byte, an unpaired surrogate, a number out of range): the
        // caller's input, so a tool error the model can correct, logged at info level only.
        record('invalid_input');
        this.logger.log(`tool ${name}: an argument cannot be stored`);
        return errorResult(
          `Invalid arguments for ${name}: a value contains characters that cannot be stored (NUL or invalid Unicode) or a number out of range`,
        );
      }
      record('error');
      // The detail goes to the log only; the client gets a safe message.
      this.logger.error(
        `tool ${name} (${tool.owner}) failed for user ${caller.userId}: ${error instanceof Error ? error.message : String(error)}`,
        error instanceof Error ? error.stack : undefined,
      );
      return errorResult(GENERIC_FAILURE);
    }
  }

  /** One audit event per tools/call: who, which client and grant, which tool, outcome, duration. Never arguments. */
  recordCall(
    tool: string | null,
    outcome: ToolCallOutcome,
    started: number,
    caller: McpCaller,
    context: RequestContext,
  ): void {
    this.audit.recordInBackground({
      type: 'tool.called',
      userId: caller.userId,
      clientId: caller.clientId,
      grantId: caller.grantId,
      ip: context.ip,
      detail: { tool, outcome, durationMs: Math.round((performance.now() - started) * 10) / 10 },
    });
  }
}

/**
 * A JSON-RPC error with exactly the given message (the SDK's McpError prefixes "MCP error <code>:");
 * the SDK's Protocol copies `code` and `message` of whatever a handler throws.
 */
class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const CALL_PARAMS_KEYS = new Set(['name', 'arguments']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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

function transportError(status: number, code: number, message: string): McpRpcResponse {
  return { status, body: JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }) };
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

export function toResult(output: ToolOutput): CallToolResult {
  if (typeof output === 'string') return { content: [{ type: 'text', text: output }] };
  if (output !== null && typeof output === 'object' && !Array.isArray(output)) {
    // Structured content plus its serialization for clients that only read text (MCP 2025-06-18+).
    return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
  }
  throw new Error(
    `a tool must return a string or a plain object, not ${Array.isArray(output) ? 'an array' : typeof output}`,
  );
}
