import { Inject, Injectable, Logger } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type InitializeResult,
  type ListToolsResult,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { isDatabaseUnavailable } from '@app/persistence';
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

const CAPABILITIES: ServerCapabilities = Object.freeze({ tools: Object.freeze({ listChanged: false }) });

/**
 * The server never asks the client for input (no elicitation), so the SDK's JSON-schema validator is
 * never used; one shared instance keeps the SDK from compiling a new Ajv per request.
 */
const UNUSED_VALIDATOR: jsonSchemaValidator = {
  getValidator: () => () => ({ valid: false, data: undefined, errorMessage: 'elicitation is not used' }),
};

const UNAVAILABLE = 'The service is temporarily unavailable. Try again in a few seconds.';
const GENERIC_FAILURE = 'The tool failed unexpectedly. The server log has the details.';

/**
 * JSON-RPC dispatch for one stateless /mcp request (LB-02: a fresh SDK Server and transport per
 * request). Everything that does not depend on the caller is built once, at boot: the tools/list
 * entries with their JSON schemas, the zod input schemas, the capabilities, the validator. Per request
 * the work is a Server object, three handler closures and the call itself.
 */
@Injectable()
export class McpDispatcher {
  private readonly logger = new Logger('McpTools');
  private readonly serverInfo: { name: string; version: string };

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly auth: McpAuthService,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.serverInfo = { name: config.productName, version: '0.1.0' };
  }

  createServer(caller: McpCaller, context: RequestContext): Server {
    // The low-level Server (not McpServer): our own tool registry, built once, feeds its handlers.
    const server = new Server(this.serverInfo, {
      capabilities: CAPABILITIES,
      jsonSchemaValidator: UNUSED_VALIDATOR,
    });
    server.setRequestHandler(InitializeRequestSchema, (request) =>
      this.initialize(request.params.protocolVersion),
    );
    server.setRequestHandler(ListToolsRequestSchema, () => this.listTools(caller));
    server.setRequestHandler(CallToolRequestSchema, (request) =>
      this.callTool(request.params.name, request.params.arguments, caller, context),
    );
    return server;
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

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

function toResult(output: ToolOutput): CallToolResult {
  if (typeof output === 'string') return { content: [{ type: 'text', text: output }] };
  if (output !== null && typeof output === 'object' && !Array.isArray(output)) {
    // Structured content plus its serialization for clients that only read text (MCP 2025-06-18+).
    return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
  }
  throw new Error(
    `a tool must return a string or a plain object, not ${Array.isArray(output) ? 'an array' : typeof output}`,
  );
}
