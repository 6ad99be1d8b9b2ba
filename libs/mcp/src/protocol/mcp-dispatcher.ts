import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  CallToolRequestSchema,
  InitializeRequestSchema,
  isInitializeRequest,
  ListToolsRequestSchema,
  PingRequestSchema,
  type InitializeResult,
  type JSONRPCMessage,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from '@app/oauth';
import { McpAuthService } from '../auth/mcp-auth.service';
import type { RpcId } from '../http/mcp-errors';
import { ToolCatalog } from '../tools/tool-catalog';
import { UpstreamAccess } from '../upstream/upstream-access';
import type { McpCaller } from '../tools/tool-types';
import {
  type Handler,
  type Json,
  type McpRpcResponse,
  type McpTransportHeaders,
  type Notify,
  type RequestContext,
} from './dispatch-types';
import {
  isPlainCallParams,
  parseMessage,
  respond,
  rpcError,
  toRpcError,
  transportError,
} from './json-rpc-answers';
import { ErrorCodes, JsonRpcError, META, readId, validateModernRequest, type ModernRequest } from './modern';
import { dispatchModern } from './modern-methods';
import { negotiateProtocolVersion } from './protocol-versions';
import { RequestStateSealer } from './request-state';
import { transportChecks } from './streamable-http-checks';
import { ToolCall } from './tool-call';
import { ToolListing } from './tool-listing';

export type { McpRpcResponse, McpTransportHeaders, RequestContext, ToolCallOutcome } from './dispatch-types';
export { isPlainCallParams, parseMessage } from './json-rpc-answers';
export { errorResult, toResult } from './tool-results';

const LEGACY_CAPABILITIES = Object.freeze({ tools: Object.freeze({ listChanged: false }) });
/** The SDK transport's batch limit (server/requestBody MAX_BATCH_SIZE). */
const MAX_BATCH_SIZE = 100;

/**
 * JSON-RPC dispatch for one stateless /mcp request (LB-02: no session, any replica serves any
 * request), in both eras (MCP 2026-07-28 versioning: dual-era server):
 * - legacy (2025-11-25, 2025-06-18, 2025-03-26): follows the MCP SDK 1.x Streamable HTTP server
 *   transport and `Server` (same checks, statuses and messages, validation with the SDK's own zod
 *   schemas: 406, 415, 400 -32700/-32600, 202 for notifications, -32601 unknown method, ping);
 * - modern (2026-07-28): one request per POST with its `_meta`, `server/discover`, `resultType`,
 *   caching hints, the modern errors and statuses, MRTR.
 * It builds nothing per request that does not depend on the caller: the tools/list entries with
 * their JSON schemas, the zod input schemas and the capabilities are built once, at boot.
 */
@Injectable()
export class McpDispatcher {
  private readonly logger = new Logger('McpTools');
  private readonly serverInfo: { name: string; version: string };
  private readonly handlers: ReadonlyMap<string, Handler>;
  private readonly toolCalls: ToolCall;
  private readonly listing: ToolListing;

  constructor(
    private readonly catalog: ToolCatalog,
    auth: McpAuthService,
    audit: AuditLog,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(SCOPE_GRANT_POLICY) scopePolicy?: ScopeGrantPolicy,
    @Optional() upstream?: UpstreamAccess,
  ) {
    this.serverInfo = Object.freeze({ name: config.productName, version: '0.1.0' });
    const sealer = new RequestStateSealer([config.sessionSecret, ...config.previousSessionSecrets]);
    this.toolCalls = new ToolCall(catalog, auth, audit, sealer, upstream);
    this.listing = new ToolListing(catalog, scopePolicy);
    // Each handler validates its request with the SDK schema first, as Protocol.setRequestHandler does.
    this.handlers = new Map<string, Handler>([
      ['ping', (request) => (PingRequestSchema.parse(request), {})],
      [
        'initialize',
        (request) => this.initialize(InitializeRequestSchema.parse(request).params.protocolVersion),
      ],
      [
        'tools/list',
        async (request, caller) => (
          ListToolsRequestSchema.parse(request),
          this.listing.listTools(caller, false)
        ),
      ],
      [
        'tools/call',
        (request, caller, context, notify) => this.callToolRequest(request, caller, context, notify),
      ],
    ]);
  }

  /**
   * The legacy Streamable HTTP POST rules after authentication (the SDK transport's handlePostRequest
   * in JSON response mode): Accept and Content-Type checks, JSON-RPC validation, then every request
   * of the message (or batch) answered; notifications and responses only: 202 without a body.
   */
  async handle(
    body: unknown,
    headers: McpTransportHeaders,
    caller: McpCaller,
    context: RequestContext,
  ): Promise<McpRpcResponse> {
    const refused = transportChecks(body, headers);
    if (refused) return refused;
    if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
      return transportError(400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    }
    let messages: JSONRPCMessage[];
    try {
      messages = Array.isArray(body) ? body.map(parseMessage) : [parseMessage(body)];
    } catch {
      return transportError(
        400,
        -32700,
        'Parse error: Invalid JSON-RPC message',
        Array.isArray(body) ? null : readId(body),
      );
    }
    if (messages.length > 1 && messages.some(isInitializeRequest)) {
      return transportError(400, -32600, 'Invalid Request: Only one initialization request is allowed');
    }
    // Validated messages: one with both `method` and `id` can only be a request (the others are strict).
    const requests = messages.filter((m): m is JSONRPCRequest => 'method' in m && 'id' in m);
    // Notifications (initialized, cancelled) and client responses need no action in a stateless server.
    if (requests.length === 0) return { status: 202, body: undefined };
    const notifications: Json[] = [];
    const notify: Notify = (n) => notifications.push(n);
    const responses = await Promise.all(requests.map((r) => this.answer(r, caller, context, notify)));
    return respond(200, responses.length === 1 ? responses[0] : responses, notifications);
  }

  /**
   * One modern (2026-07-28) POST after authentication: exactly one JSON-RPC message (Streamable HTTP
   * §Sending Messages 4: no batches), validated with its `_meta` and headers (validateModernRequest),
   * answered with `resultType` and `serverInfo` in `_meta`. `beforeDispatch` runs on the validated
   * request (the endpoint's per-tool scope check, which may throw the 403 step-up).
   */
  async handleModern(
    body: unknown,
    headers: McpTransportHeaders,
    caller: McpCaller,
    context: RequestContext,
    beforeDispatch: (request: ModernRequest) => void = () => undefined,
  ): Promise<McpRpcResponse> {
    const refused = transportChecks(body, headers);
    if (refused) return refused;
    if (Array.isArray(body)) {
      return transportError(
        400,
        ErrorCodes.InvalidRequest,
        'Invalid Request: MCP 2026-07-28 takes one JSON-RPC message per POST, not a batch',
      );
    }
    const id = readId(body);
    const message = body as Json;
    if (
      typeof body !== 'object' ||
      body === null ||
      message.jsonrpc !== '2.0' ||
      (message.id !== undefined && id === null)
    ) {
      return transportError(
        400,
        ErrorCodes.InvalidRequest,
        'Invalid Request: not a JSON-RPC 2.0 request',
        id,
      );
    }
    if (typeof message.method !== 'string') {
      return transportError(
        400,
        ErrorCodes.InvalidRequest,
        'Invalid Request: clients send requests and notifications only',
        id,
      );
    }
    // Streamable HTTP §Sending Messages 5: a notification is accepted without an answer.
    if (id === null) return { status: 202, body: undefined };
    const notifications: Json[] = [];
    let request: ModernRequest;
    try {
      request = validateModernRequest(
        message as Json & { id: RpcId; method: string },
        headers.all ?? {},
        (tool) => this.catalog.tool(tool)?.headerParams,
      );
      beforeDispatch(request);
    } catch (error) {
      if (error instanceof JsonRpcError) return rpcError(error, id);
      throw error;
    }
    try {
      const result = await dispatchModern(
        request,
        caller,
        context,
        (n) => notifications.push(n),
        this.listing,
        this.toolCalls,
      );
      const meta = { ...(result._meta as Json | undefined), [META.serverInfo]: this.serverInfo };
      return respond(
        200,
        { jsonrpc: '2.0', id, result: { resultType: 'complete', ...result, _meta: meta } },
        notifications,
      );
    } catch (error) {
      const e = toRpcError(error);
      if (e.code === ErrorCodes.InternalError) this.logUnexpected(request.method, error);
      return rpcError(e, id, notifications);
    }
  }

  /** One legacy request's response message, shaped like the SDK Protocol's (result, or error code/message). */
  private async answer(
    request: JSONRPCRequest,
    caller: McpCaller,
    context: RequestContext,
    notify: Notify,
  ): Promise<unknown> {
    const handler = this.handlers.get(request.method);
    if (!handler) {
      return {
        jsonrpc: '2.0',
        id: request.id,
        error: { code: ErrorCodes.MethodNotFound, message: 'Method not found' },
      };
    }
    try {
      const result = await handler(request, caller, context, notify);
      return { result, jsonrpc: '2.0', id: request.id };
    } catch (error) {
      const e = toRpcError(error);
      if (e.code === ErrorCodes.InternalError) this.logUnexpected(request.method, error);
      return {
        jsonrpc: '2.0',
        id: request.id,
        error: { code: e.code, message: e.message, ...(e.data !== undefined && { data: e.data }) },
      };
    }
  }

  /** tools/call as the SDK Server wraps it: the request validated (CallToolRequestSchema), then called. */
  private callToolRequest(
    request: JSONRPCRequest,
    caller: McpCaller,
    context: RequestContext,
    notify: Notify,
  ): Promise<Json> {
    const params = isPlainCallParams(request.params)
      ? request.params
      : CallToolRequestSchema.parse(request).params;
    const meta = (request.params as { _meta?: Json } | undefined)?._meta;
    const token = meta?.progressToken;
    return this.toolCalls.call(params.name, params.arguments, caller, context, {
      modern: false,
      clientCapabilities: {},
      inputResponses: undefined,
      requestState: undefined,
      progressToken: typeof token === 'string' || typeof token === 'number' ? token : undefined,
      // Legacy logging needs logging/setLevel on a session; this stateless server declares none.
      logLevel: undefined,
      notify,
    });
  }

  initialize(requestedVersion: unknown): InitializeResult {
    return {
      protocolVersion: negotiateProtocolVersion(requestedVersion),
      capabilities: LEGACY_CAPABILITIES,
      serverInfo: this.serverInfo,
    };
  }

  /** One audit event per tools/call (the HTTP layer's refusals too). */
  recordCall(...args: Parameters<ToolCall['recordCall']>): void {
    this.toolCalls.recordCall(...args);
  }

  private logUnexpected(method: string, error: unknown): void {
    this.logger.error(
      `${method} failed: ${error instanceof Error ? error.message : String(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
  }
}
