import { Injectable } from '@nestjs/common';
import { BODY_LIMIT_BYTES, jsonReply, type EdgeReply, type EdgeRequest, type EdgeRoute } from '@app/web';
import { McpAuthService } from '../auth/mcp-auth.service';
import { McpEndpoint } from './mcp-endpoint.service';
import { McpHttpError } from './mcp-errors';
import { readId } from '../protocol/modern';
import { McpOriginPolicy, PREFLIGHT_HEADERS } from './mcp-origin-policy';

/** The JSON body limit of POST /mcp (body-parser's default, as on every other route): 100 kb. */
export const MCP_BODY_LIMIT_BYTES = BODY_LIMIT_BYTES;

/** Bodies the JSON reader refuses, as JSON-RPC errors (JSON-RPC 2.0 §5.1). */
const BODY_REFUSALS = {
  400: { code: -32700, message: 'Parse error' },
  413: { code: -32600, message: 'Request body too large' },
  415: { code: -32000, message: 'Unsupported Media Type: unsupported charset or Content-Encoding' },
} as const;

/** What a /mcp answer with a body carries besides its own headers (never cached: it is per caller). */
const NO_STORE = ['Cache-Control', 'no-store'] as const;

/**
 * The one handler of /mcp, for every method and content type, on node:http (the edge serves it, see
 * apps/server/src/edge.ts). In order: the body (JSON, 100 kb: -32700 / 413), the Origin (TR-02: 403;
 * an allowed one gets CORS headers, and OPTIONS is the preflight), the bearer token on every other
 * method (RS-TOK-*: a tokenless GET gets the 401 challenge first), POST only (TR-05: 405 with Allow),
 * then McpEndpoint (protocol version, scopes, 406, 415 and the JSON-RPC dispatch). Errors are JSON-RPC
 * bodies with the right status (McpEndpoint.toHttpError), `Cache-Control: no-store`, never a stack.
 */
@Injectable()
export class McpRoute implements EdgeRoute {
  readonly path = '/mcp';
  readonly body = { kind: 'json', limit: MCP_BODY_LIMIT_BYTES } as const;

  constructor(
    private readonly endpoint: McpEndpoint,
    private readonly auth: McpAuthService,
    private readonly origins: McpOriginPolicy,
  ) {}

  async handle(request: EdgeRequest): Promise<EdgeReply> {
    const headers: string[] = [];
    try {
      if (request.body.kind === 'refused') {
        const refusal = BODY_REFUSALS[request.body.status];
        return jsonReply(request.body.status, { jsonrpc: '2.0', error: refusal, id: null }, NO_STORE);
      }
      const decision = this.origins.decide(request.headers.origin);
      for (const [name, value] of decision.headers) headers.push(name, value);
      if (decision.refusal) throw decision.refusal;
      if (request.method === 'OPTIONS') {
        // CORS preflight: it carries no credentials by definition, so it comes before the bearer check.
        for (const [name, value] of PREFLIGHT_HEADERS) headers.push(name, value);
        return { status: 204, headers };
      }
      const caller = await this.auth.authenticate(request.headers.authorization, request.ip);
      if (request.method !== 'POST') throw this.endpoint.methodNotAllowed();
      const response = await this.endpoint.handle(
        {
          body: request.body.kind === 'parsed' ? request.body.value : undefined,
          accept: request.headers.accept,
          contentType: request.headers['content-type'],
          protocolVersion: request.headers['mcp-protocol-version'],
          headers: request.headers,
          ip: request.ip,
        },
        caller,
      );
      headers.push(...NO_STORE);
      // A response may name its media type (e.g. text/event-stream) and headers of its own.
      const extra = response as { contentType?: string; headers?: Readonly<Record<string, string>> };
      if (extra.headers) for (const name in extra.headers) headers.push(name, extra.headers[name]);
      return {
        status: response.status,
        headers,
        body: response.body,
        contentType: extra.contentType ?? 'application/json',
      };
    } catch (exception) {
      // The request's id whenever the body could be read (MCP 2026-07-28 basic §Error Responses),
      // also on the Origin and bearer refusals that come before the dispatch.
      const id = request.body.kind === 'parsed' ? readId(request.body.value) : null;
      const error: McpHttpError = this.endpoint.toHttpError(exception);
      for (const name in error.headers) headers.push(name, error.headers[name]);
      headers.push(...NO_STORE);
      return jsonReply(error.status, error.body(id), headers);
    }
  }
}
