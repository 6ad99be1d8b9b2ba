import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ZodError } from 'zod';
import {
  CallToolRequestSchema,
  InitializeRequestSchema,
  isInitializeRequest,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  type InitializeResult,
  type JSONRPCMessage,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from '@app/oauth';
import { hasUnstorableJson, isBadInputForDatabase, isDatabaseUnavailable } from '@app/persistence';
import { McpAuthService } from '../auth/mcp-auth.service';
import type { RpcId } from '../http/mcp-errors';
import { ToolCatalog, type RegisteredTool, type ToolListEntry } from '../tools/tool-catalog';
import {
  InputRequired,
  LOGGING_LEVELS,
  ToolError,
  ToolResult,
  type LoggingLevel,
  type McpCaller,
  type ToolContext,
  type ToolOutput,
} from '../tools/tool-types';
import { ErrorCodes, JsonRpcError, META, readId, validateModernRequest, type ModernRequest } from './modern';
import { negotiateProtocolVersion, SUPPORTED_PROTOCOL_VERSIONS } from './protocol-versions';
import { RequestStateSealer } from './request-state';

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

type Json = Record<string, unknown>;

const LEGACY_CAPABILITIES = Object.freeze({ tools: Object.freeze({ listChanged: false }) });
/** Modern capabilities: logging too, since a tool may log on its own stream when asked (_meta logLevel). */
const MODERN_CAPABILITIES = Object.freeze({
  tools: Object.freeze({ listChanged: false }),
  logging: Object.freeze({}),
});

/** MCP 2026-07-28 caching: discovery is the same for everyone; tools/list depends on the person. */
const DISCOVER_TTL_MS = 3_600_000;
const TOOLS_LIST_TTL_MS = 300_000;

const SSE_HEADERS = Object.freeze({ 'X-Accel-Buffering': 'no' });
const GRANTABLE_CACHE_TTL_MS = 60_000;
const GRANTABLE_CACHE_MAX = 10_000;

/** The SDK transport's batch limit (server/requestBody MAX_BATCH_SIZE). */
const MAX_BATCH_SIZE = 100;

const UNAVAILABLE = 'The service is temporarily unavailable. Try again in a few seconds.';
const GENERIC_FAILURE = 'The tool failed unexpectedly. The server log has the details.';
const LEGACY_INPUT =
  'This tool needs an answer from you, which this client cannot ask for: use a client that speaks MCP 2026-07-28.';

/** Which client capability each MRTR input request needs (MRTR §Server Requirements 7). */
const INPUT_CAPABILITY: Readonly<Record<string, string>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/** What one tools/call brings besides name and arguments. */
interface CallOptions {
  readonly modern: boolean;
  readonly clientCapabilities: Json;
  readonly inputResponses: unknown;
  readonly requestState: unknown;
  readonly progressToken: string | number | undefined;
  readonly logLevel: string | undefined;
  /** Collects the notifications sent on the request's own stream. */
  readonly notify: (notification: Json) => void;
}

type Handler = (
  request: JSONRPCRequest,
  caller: McpCaller,
  context: RequestContext,
  notify: Notify,
) => unknown;
type Notify = (notification: Json) => void;

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
  private readonly sealer: RequestStateSealer;
  private readonly grantableCache = new Map<string, { until: number; scopes: ReadonlySet<string> }>();

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly auth: McpAuthService,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(SCOPE_GRANT_POLICY) private readonly scopePolicy?: ScopeGrantPolicy,
  ) {
    this.serverInfo = Object.freeze({ name: config.productName, version: '0.1.0' });
    this.sealer = new RequestStateSealer([config.sessionSecret, ...config.previousSessionSecrets]);
    // Each handler validates its request with the SDK schema first, as Protocol.setRequestHandler does.
    this.handlers = new Map<string, Handler>([
      ['ping', (request) => (PingRequestSchema.parse(request), {})],
      [
        'initialize',
        (request) => this.initialize(InitializeRequestSchema.parse(request).params.protocolVersion),
      ],
      [
        'tools/list',
        async (request, caller) => (ListToolsRequestSchema.parse(request), this.listTools(caller, false)),
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
      const result = await this.dispatchModern(request, caller, context, (n) => notifications.push(n));
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

  private async dispatchModern(
    request: ModernRequest,
    caller: McpCaller,
    context: RequestContext,
    notify: Notify,
  ): Promise<Json> {
    const { params } = request;
    switch (request.method) {
      case 'server/discover':
        // MCP 2026-07-28 server/discover; the same for every caller, hence public caching.
        return {
          supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
          capabilities: MODERN_CAPABILITIES,
          ttlMs: DISCOVER_TTL_MS,
          cacheScope: 'public',
        };
      case 'tools/list': {
        // Pagination: one page; a cursor can only come from a server that is not us.
        if (params.cursor !== undefined) {
          throw new JsonRpcError(ErrorCodes.InvalidParams, 'Invalid params: unknown cursor');
        }
        const { tools } = await this.listTools(caller, true);
        // Private: the list depends on the scopes the signed-in person could be granted.
        return { tools, ttlMs: TOOLS_LIST_TTL_MS, cacheScope: 'private' };
      }
      case 'tools/call': {
        const name = params.name;
        const args = params.arguments;
        if (typeof name !== 'string' || (args !== undefined && !isObject(args))) {
          throw new JsonRpcError(
            ErrorCodes.InvalidParams,
            'Invalid params: tools/call needs a string name and an object of arguments',
          );
        }
        return this.callTool(name, args, caller, context, {
          modern: true,
          clientCapabilities: request.clientCapabilities,
          inputResponses: params.inputResponses,
          requestState: params.requestState,
          progressToken: request.progressToken,
          logLevel: request.logLevel,
          notify,
        });
      }
      default:
        // Removed methods (initialize, ping, logging/setLevel), capabilities we do not declare
        // (resources, prompts, completions, subscriptions/listen with no list-changed capability).
        throw new JsonRpcError(ErrorCodes.MethodNotFound, 'Method not found');
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
    return this.callTool(params.name, params.arguments, caller, context, {
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

  /**
   * Every tool the signed-in person could be granted, not only those the token covers: a host that
   * offers the model only listed tools could otherwise never reach a tool behind a step-up (the call
   * answers the 403 insufficient_scope challenge). Each entry names its scopes in `_meta` and in its
   * description. Tools needing a scope the person may never hold (the `admin` scope for
   * non-administrators, per the scope-grant policy) stay hidden.
   */
  async listTools(caller: McpCaller, modern: boolean): Promise<{ tools: ToolListEntry[] }> {
    const all = [...this.catalog.tools()];
    const missing = new Set<string>();
    for (const tool of all) {
      for (const scope of tool.requiredScopes) if (!caller.scopes.includes(scope)) missing.add(scope);
    }
    // A machine client cannot step up to scopes it does not hold, nor call a tool that needs a person.
    const grantable =
      missing.size === 0 || caller.userId === null
        ? new Set<string>()
        : await this.grantable(caller.userId, [...missing]);
    const tools: ToolListEntry[] = [];
    for (const tool of all) {
      if (tool.requiresPerson && caller.kind === 'client') continue;
      if (tool.requiredScopes.every((s) => caller.scopes.includes(s) || grantable.has(s))) {
        tools.push(modern ? tool.modernListEntry : tool.listEntry);
      }
    }
    return { tools };
  }

  /**
   * The scope-grant policy's answer (it may read the database: is this person an administrator?),
   * remembered for a minute per person and scope set, bounded: it only shapes listings, never what a
   * token may do, so a change of admin status shows in tools/list within a minute.
   */
  private async grantable(userId: string, scopes: string[]): Promise<ReadonlySet<string>> {
    if (!this.scopePolicy) return new Set(scopes);
    const key = `${userId} ${scopes.join(' ')}`;
    const now = Date.now();
    const known = this.grantableCache.get(key);
    if (known && known.until > now) return known.scopes;
    const answer = new Set(await this.scopePolicy.grantable(userId, scopes));
    if (this.grantableCache.size >= GRANTABLE_CACHE_MAX) {
      const oldest = this.grantableCache.keys().next();
      if (!oldest.done) this.grantableCache.delete(oldest.value);
    }
    this.grantableCache.set(key, { until: now + GRANTABLE_CACHE_TTL_MS, scopes: answer });
    return answer;
  }

  private async callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    caller: McpCaller,
    context: RequestContext,
    options: CallOptions,
  ): Promise<Json> {
    const started = performance.now();
    const tool = this.catalog.tool(name);
    const record = (outcome: ToolCallOutcome) =>
      this.recordCall(tool ? name : null, outcome, started, caller, context);
    if (!tool) {
      record('unknown_tool');
      // MCP tools spec, "Error Handling": an unknown tool is a protocol error, -32602 Invalid params.
      throw new JsonRpcError(ErrorCodes.InvalidParams, `Unknown tool: ${name.slice(0, 128)}`);
    }
    if (!this.auth.allows(caller, tool.requiredScopes)) {
      // The HTTP layer answers 403 before dispatch (RS-SC-04); this only guards against a bypass.
      record('insufficient_scope');
      throw new JsonRpcError(ErrorCodes.InvalidRequest, 'insufficient_scope');
    }
    if (tool.requiresPerson && caller.kind === 'client') {
      record('tool_error');
      // EXT-CC-06. A tool execution error (MCP tools §Error Handling), not a 403: no scope or step-up makes a machine
      // client's token (client_credentials, RFC 6749 §4.4) a person's, so a challenge would only loop.
      return errorResult(
        `${name} works on a person's own data; this token belongs to the client ${caller.clientId.slice(0, 200)} acting for itself (client_credentials), so it cannot call it. Use a token a person authorized.`,
      );
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
      // MCP tools §Error Handling: input validation errors are tool execution errors (isError), so
      // the model can correct itself; the message stays short (first problems only).
      const problems = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`);
      return errorResult(`Invalid arguments for ${name}: ${problems.join('; ')}`.slice(0, 500));
    }
    let state: unknown;
    if (options.modern && options.requestState !== undefined) {
      const opened = this.sealer.open(options.requestState, {
        userId: callerKey(caller),
        tool: name,
        args: parsed.data,
      });
      if (!opened) {
        record('invalid_input');
        // MRTR §Server Requirements 4: state that fails verification is rejected.
        throw new JsonRpcError(
          ErrorCodes.InvalidParams,
          'Invalid params: requestState is not valid for this call (tampered, expired or from another call)',
        );
      }
      state = opened.state;
    }
    const toolContext = this.toolContext(options, state);
    try {
      const output = await tool.invoke(parsed.data, caller, toolContext);
      if (output instanceof InputRequired) {
        const result = this.inputRequired(output, tool, caller, parsed.data, options);
        record(options.modern ? 'input_required' : 'tool_error');
        return result;
      }
      const result = toResult(output, tool, options.modern);
      record(result.isError === true ? 'tool_error' : 'ok');
      return result;
    } catch (error) {
      if (error instanceof JsonRpcError) {
        record('invalid_input');
        throw error;
      }
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
        `tool ${name} (${tool.owner}) failed for ${callerKey(caller)}: ${error instanceof Error ? error.message : String(error)}`,
        error instanceof Error ? error.stack : undefined,
      );
      return errorResult(GENERIC_FAILURE);
    }
  }

  private toolContext(options: CallOptions, state: unknown): ToolContext {
    const { progressToken, logLevel, notify } = options;
    const minimum = logLevel === undefined ? -1 : LOGGING_LEVELS.indexOf(logLevel as LoggingLevel);
    return {
      protocolVersion: options.modern ? '2026-07-28' : undefined,
      clientCapabilities: options.clientCapabilities,
      inputResponses: isObject(options.inputResponses) ? options.inputResponses : {},
      state,
      progress: (progress, total, message) => {
        // MCP progress: only for a request that carried a progressToken.
        if (progressToken === undefined) return;
        notify({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: {
            progressToken,
            progress,
            ...(total !== undefined && { total }),
            ...(message !== undefined && { message }),
          },
        });
      },
      log: (level, data, logger) => {
        // MCP 2026-07-28 logging: never without the request's _meta logLevel, only at or above it.
        if (minimum < 0 || LOGGING_LEVELS.indexOf(level) < minimum) return;
        notify({
          jsonrpc: '2.0',
          method: 'notifications/message',
          params: { level, data, ...(logger !== undefined && { logger }) },
        });
      },
    };
  }

  /**
   * MRTR InputRequiredResult: the input requests the client declared capabilities for
   * (MissingRequiredClientCapability -32021 otherwise), and the tool's state sealed into requestState.
   */
  private inputRequired(
    output: InputRequired,
    tool: RegisteredTool,
    caller: McpCaller,
    args: unknown,
    options: CallOptions,
  ): Json {
    if (!options.modern) return errorResult(LEGACY_INPUT);
    const requests = output.inputRequests ?? {};
    const missing: Json = {};
    for (const request of Object.values(requests)) {
      const capability = INPUT_CAPABILITY[request.method];
      if (capability === undefined)
        throw new Error(`tool ${tool.name}: unknown input request ${request.method}`);
      if (!isObject(options.clientCapabilities[capability])) missing[capability] = {};
    }
    if (Object.keys(missing).length > 0) {
      throw new JsonRpcError(
        ErrorCodes.MissingRequiredClientCapability,
        `Missing required client capability: ${Object.keys(missing).join(', ')}`,
        { requiredCapabilities: missing },
      );
    }
    return {
      resultType: 'input_required',
      ...(Object.keys(requests).length > 0 && { inputRequests: requests }),
      requestState: this.sealer.seal({ userId: callerKey(caller), tool: tool.name, args }, output.state),
    };
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

  private logUnexpected(method: string, error: unknown): void {
    this.logger.error(
      `${method} failed: ${error instanceof Error ? error.message : String(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
  }
}

/**
 * Any error of a handler as the JSON-RPC error to send: JsonRpcError as is; a request that fails the
 * SDK's zod schema is -32602 Invalid params with a short message (never a validation dump); anything
 * else -32603 without details (they go to the log).
 */
function toRpcError(error: unknown): JsonRpcError {
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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Streamable HTTP: the client must accept JSON and SSE, and send JSON (406, 415), with a body (400). */
function transportChecks(body: unknown, headers: McpTransportHeaders): McpRpcResponse | undefined {
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

/**
 * The answer: plain JSON, or, when the request produced notifications (progress, log messages), an
 * SSE stream of those notifications followed by the response (Streamable HTTP §Receiving Messages).
 */
function respond(status: number, message: unknown, notifications: readonly Json[]): McpRpcResponse {
  if (notifications.length === 0) return { status, body: JSON.stringify(message) };
  let body = '';
  for (const n of [...notifications, message]) body += `event: message\ndata: ${JSON.stringify(n)}\n\n`;
  // Streamable HTTP §Receiving Messages: SSE answers SHOULD carry X-Accel-Buffering: no.
  return { status, body, contentType: 'text/event-stream', headers: SSE_HEADERS };
}

function rpcError(
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

function transportError(
  status: number,
  code: number,
  message: string,
  id: RpcId | null = null,
): McpRpcResponse {
  return { status, body: JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }) };
}

export function errorResult(message: string): Json {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * A tool's return value as a CallToolResult. A string is one text block; a plain object is
 * structuredContent plus its JSON as text (MCP tools §Structured Content: the text fallback); a
 * ToolResult is sent as spelled out. Structured content is checked against the tool's `output`
 * schema (tools §Output Schema: the server MUST conform); the 2025 revisions only carry objects.
 */
export function toResult(
  output: ToolOutput,
  tool: Pick<RegisteredTool, 'name' | 'output'>,
  modern: boolean,
): Json {
  if (typeof output === 'string') return { content: [{ type: 'text', text: output }] };
  let result: { content: unknown[]; structuredContent?: unknown; isError?: boolean };
  if (output instanceof ToolResult) {
    result = { content: [...output.content] };
    if (output.structuredContent !== undefined) result.structuredContent = output.structuredContent;
    if (output.isError) result.isError = true;
  } else if (isObject(output)) {
    result = { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
  } else {
    throw new Error(
      `tool ${tool.name} must return a string, a plain object, a ToolResult or InputRequired, not ${Array.isArray(output) ? 'an array' : typeof output}`,
    );
  }
  if (result.structuredContent !== undefined && tool.output && !result.isError) {
    const checked = tool.output.safeParse(result.structuredContent);
    if (!checked.success) {
      throw new Error(`tool ${tool.name} returned structured content that does not match its output schema`);
    }
  }
  if (!modern && result.structuredContent !== undefined && !isObject(result.structuredContent)) {
    delete result.structuredContent;
  }
  return result;
}

/** Whom a sealed requestState and a log line name: the person, or the machine client acting for itself. */
function callerKey(caller: McpCaller): string {
  return caller.userId ?? `client ${caller.clientId}`;
}
