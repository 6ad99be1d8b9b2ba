import { Logger } from '@nestjs/common';
import { AuditLog } from '@app/audit';
import { hasUnstorableJson, isBadInputForDatabase, isDatabaseUnavailable } from '@app/persistence';
import { McpAuthService } from '../auth/mcp-auth.service';
import { ToolCatalog, type RegisteredTool } from '../tools/tool-catalog';
import {
  InputRequired,
  LOGGING_LEVELS,
  ToolError,
  type LoggingLevel,
  type McpCaller,
  type ToolContext,
} from '../tools/tool-types';
import {
  isObject,
  type CallOptions,
  type Json,
  type RequestContext,
  type ToolCallOutcome,
} from './dispatch-types';
import { ErrorCodes, JsonRpcError } from './modern';
import { UpstreamAccess } from '../upstream/upstream-access';
import { RequestStateSealer } from './request-state';
import { errorResult, toResult } from './tool-results';

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

/**
 * One tools/call, both eras: scopes, argument checks, MRTR request state, the tool itself, and what its
 * outcome becomes (a result, a tool error the model can read, a JSON-RPC error), with one audit event.
 */
export class ToolCall {
  private readonly logger = new Logger('McpTools');

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly auth: McpAuthService,
    private readonly audit: AuditLog,
    private readonly sealer: RequestStateSealer,
    private readonly upstream?: UpstreamAccess,
  ) {}

  async call(
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
      // EXT-CC-06. A tool execution error (MCP tools §Error Handling), not a 403: no scope or step-up
      // makes a machine client's token (client_credentials, RFC 6749 §4.4) a person's, so a challenge
      // would only loop.
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
    const toolContext = this.toolContext(options, state, name, caller);
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

  private toolContext(options: CallOptions, state: unknown, tool: string, caller: McpCaller): ToolContext {
    const { progressToken, logLevel, notify } = options;
    const upstream = this.upstream?.bind(tool, caller);
    const minimum = logLevel === undefined ? -1 : LOGGING_LEVELS.indexOf(logLevel as LoggingLevel);
    return {
      protocolVersion: options.modern ? '2026-07-28' : undefined,
      clientCapabilities: options.clientCapabilities,
      inputResponses: isObject(options.inputResponses) ? options.inputResponses : {},
      state,
      upstream: (provider) => {
        if (!upstream) throw new Error('UpstreamAccess is not provided');
        return upstream(provider);
      },
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
}

/** Whom a sealed requestState and a log line name: the person, or the machine client acting for itself. */
function callerKey(caller: McpCaller): string {
  return caller.userId ?? `client ${caller.clientId}`;
}
