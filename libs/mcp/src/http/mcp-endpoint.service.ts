import type { IncomingHttpHeaders } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { databaseOutage } from '@app/persistence';
import { McpAuthService } from '../auth/mcp-auth.service';
import { McpDispatcher, type McpRpcResponse, type RequestContext } from '../protocol/mcp-dispatcher';
import { isModernRequest, readId, unsupportedVersion } from '../protocol/modern';
import { isSupportedProtocolVersion } from '../protocol/protocol-versions';
import { ToolCatalog } from '../tools/tool-catalog';
import type { McpCaller } from '../tools/tool-types';
import { McpHttpError } from './mcp-errors';

/** The parts of a POST /mcp the endpoint reads, whichever HTTP stack delivered it. */
export interface McpPostRequest {
  /** The parsed JSON body (undefined when the body was not JSON). */
  readonly body: unknown;
  readonly accept: string | undefined;
  readonly contentType: string | undefined;
  readonly protocolVersion: string | string[] | undefined;
  /** Every request header (MCP 2026-07-28 reads MCP-Protocol-Version, Mcp-Method and Mcp-Name). */
  readonly headers: IncomingHttpHeaders;
  readonly ip: string | null;
}

/**
 * Streamable HTTP at /mcp, stateless (TR-11, LB-02): no Mcp-Session-Id, so any replica serves any
 * request. The HTTP-level rules run here, before the JSON-RPC dispatch: protocol version (TR-09)
 * and the per-tool scope check that must become a 403 step-up challenge (RS-SC-04), which a JSON-RPC
 * handler could no longer turn into an HTTP status. Framework-free: McpRoute, the one HTTP handler of
 * /mcp, calls `handle`.
 */
@Injectable()
export class McpEndpoint {
  private readonly logger = new Logger('McpEndpoint');

  constructor(
    private readonly dispatcher: McpDispatcher,
    private readonly catalog: ToolCatalog,
    private readonly auth: McpAuthService,
  ) {}

  /**
   * Answers an authenticated POST; throws McpHttpError for the HTTP-level refusals (400, 403). A
   * request carrying MCP 2026-07-28 metadata is served by the modern rules, anything else by the
   * 2025 ones (MCP 2026-07-28 versioning: a dual-era server selects its behaviour per request).
   */
  handle(request: McpPostRequest, caller: McpCaller): Promise<McpRpcResponse> {
    const context: RequestContext = { ip: request.ip };
    const transport = { accept: request.accept, contentType: request.contentType, all: request.headers };
    if (isModernRequest(request.body, request.headers)) {
      return this.dispatcher.handleModern(request.body, transport, caller, context, (validated) =>
        this.checkToolScopes(validated, caller, context),
      );
    }
    this.checkProtocolVersion(request.protocolVersion, request.body);
    this.checkToolScopes(request.body, caller, context);
    return this.dispatcher.handle(request.body, transport, caller, context);
  }

  /**
   * Any error of a /mcp request as the HTTP answer to send: McpHttpError as is, a database outage as a
   * fast, retryable 503 (never a 401 that would make the client throw its tokens away), a framework
   * 4xx as 400, anything else a logged 500 without details.
   */
  toHttpError(exception: unknown, frameworkStatus?: number): McpHttpError {
    if (exception instanceof McpHttpError) return exception;
    const outage = databaseOutage(exception);
    if (outage !== undefined) {
      this.logger.warn('database unavailable while serving /mcp');
      return new McpHttpError(outage.status, 'Service temporarily unavailable', outage.headers);
    }
    if (frameworkStatus !== undefined && frameworkStatus < 500) {
      return new McpHttpError(frameworkStatus, 'Bad Request');
    }
    this.logger.error(
      `unexpected error: ${exception instanceof Error ? exception.message : String(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    return new McpHttpError(500, 'Internal error');
  }

  /** TR-05: no GET stream and no sessions to DELETE in stateless mode. */
  methodNotAllowed(): McpHttpError {
    return new McpHttpError(405, 'Method not allowed: /mcp accepts POST only', { Allow: 'POST' });
  }

  /**
   * TR-09: a version we do not speak is a 400 with UnsupportedProtocolVersionError (-32022, naming the
   * versions we support); a missing header means the client negotiated at initialize. `initialize`
   * itself negotiates in its body whatever the header says (2025-11-25 lifecycle).
   */
  private checkProtocolVersion(header: string | string[] | undefined, body: unknown): void {
    if (header === undefined) return;
    if (!Array.isArray(body) && (body as { method?: unknown } | null)?.method === 'initialize') return;
    if (typeof header !== 'string' || !isSupportedProtocolVersion(header)) {
      const error = unsupportedVersion(Array.isArray(header) ? header.join(', ') : header);
      throw new McpHttpError(
        400,
        error.message,
        {},
        {
          id: Array.isArray(body) ? null : readId(body),
          code: error.code,
          data: error.data,
        },
      );
    }
  }

  /**
   * RS-SC-04/05: a tools/call for a tool whose scopes the token lacks is answered 403 with a challenge
   * naming every scope the call needs (with implications honoured, RS-SC-06), and the request's id.
   * Unknown tools go on to the dispatcher, which answers the spec's JSON-RPC error.
   */
  private checkToolScopes(body: unknown, caller: McpCaller, context: RequestContext): void {
    const messages: unknown[] = Array.isArray(body) ? body : [body];
    for (const message of messages) {
      if (!message || typeof message !== 'object') continue;
      const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
      if (method !== 'tools/call' || typeof params?.name !== 'string') continue;
      const tool = this.catalog.tool(params.name);
      if (tool && !this.auth.allows(caller, tool.requiredScopes)) {
        this.dispatcher.recordCall(tool.name, 'insufficient_scope', performance.now(), caller, context);
        throw this.auth.insufficientScope(tool.requiredScopes).forRequest(readId(message));
      }
    }
  }
}
