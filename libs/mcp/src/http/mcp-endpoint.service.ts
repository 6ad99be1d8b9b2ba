import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { McpAuthService } from '../auth/mcp-auth.service';
import { McpDispatcher, type RequestContext } from '../protocol/mcp-dispatcher';
import { isSupportedProtocolVersion, SUPPORTED_PROTOCOL_VERSIONS } from '../protocol/protocol-versions';
import { ToolCatalog } from '../tools/tool-catalog';
import type { McpCaller } from '../tools/tool-types';
import { McpHttpError } from './mcp-errors';

/** The only request headers the SDK transport reads. Authorization is never handed on (RS-TOK-06). */
const FORWARDED_HEADERS = ['accept', 'content-type', 'mcp-protocol-version'] as const;

/**
 * Streamable HTTP at /mcp, stateless (TR-11, LB-02): no Mcp-Session-Id, so any replica serves any
 * request. The HTTP-level rules run here, before the SDK sees the message: protocol version (TR-09)
 * and the per-tool scope check that must become a 403 step-up challenge (RS-SC-04), which a JSON-RPC
 * handler could no longer turn into an HTTP status.
 */
@Injectable()
export class McpEndpoint {
  private readonly logger = new Logger('McpEndpoint');

  constructor(
    private readonly dispatcher: McpDispatcher,
    private readonly catalog: ToolCatalog,
    private readonly auth: McpAuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async post(req: Request, res: Response, caller: McpCaller): Promise<void> {
    this.checkProtocolVersion(req.headers['mcp-protocol-version']);
    const context: RequestContext = { ip: req.ip ?? null };
    this.checkToolScopes(req.body, caller, context);

    const server = this.dispatcher.createServer(caller, context);
    // JSON responses: every answer here is a single result, and JSON passes every proxy unbuffered.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    transport.onerror = (error) => this.logger.debug(`transport: ${error.message}`);
    await server.connect(transport);
    try {
      const headers = new Headers();
      for (const name of FORWARDED_HEADERS) {
        const value = req.headers[name];
        if (typeof value === 'string') headers.set(name, value);
      }
      const response = await transport.handleRequest(
        new Request(this.config.mcpResource, { method: 'POST', headers }),
        // The body was parsed by Express (JSON only); with another Content-Type the transport answers 415.
        { parsedBody: req.body as unknown },
      );
      res.status(response.status);
      response.headers.forEach((value, name) => res.setHeader(name, value));
      res.setHeader('Cache-Control', 'no-store');
      res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
    } finally {
      await server.close();
    }
  }

  /** TR-05: no GET stream and no sessions to DELETE in stateless mode. */
  methodNotAllowed(): McpHttpError {
    return new McpHttpError(405, 'Method not allowed: /mcp accepts POST only', { Allow: 'POST' });
  }

  /** TR-09: a version we do not speak is a 400; a missing header means the client negotiated at initialize. */
  private checkProtocolVersion(header: string | string[] | undefined): void {
    if (header === undefined) return;
    if (typeof header !== 'string' || !isSupportedProtocolVersion(header)) {
      throw new McpHttpError(
        400,
        `Bad Request: unsupported MCP-Protocol-Version (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
    }
  }

  /**
   * RS-SC-04/05: a tools/call for a tool whose scopes the token lacks is answered 403 with a challenge
   * naming every scope the call needs (with implications honoured, RS-SC-06). Unknown tools go on to
   * the dispatcher, which answers the spec's JSON-RPC error.
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
        throw this.auth.insufficientScope(tool.requiredScopes);
      }
    }
  }
}
