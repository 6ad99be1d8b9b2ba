import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { McpAuthService } from '../auth/mcp-auth.service';
import type { McpCaller } from '../tools/tool-types';
import { McpEndpoint } from './mcp-endpoint.service';
import { McpOriginPolicy } from './mcp-origin.middleware';

/** The JSON body limit Express applies to every route (body-parser's default, 100 kb). */
export const MCP_BODY_LIMIT_BYTES = 100 * 1024;

const JSON_UTF8 = /^application\/json; *charset="?utf-8"?$/i;

/** A body the JSON parser refuses: what McpBodyErrorHandler answers on the Express route. */
const PARSE_ERROR = { status: 400, code: -32700, message: 'Parse error' } as const;
const TOO_LARGE = { status: 413, code: -32600, message: 'Request body too large' } as const;
type BodyRefusal = typeof PARSE_ERROR | typeof TOO_LARGE;

/**
 * POST /mcp straight on node:http (issue #7): the tool-call hot path without Express and the Nest
 * pipeline, which alone cost more than the whole call. It runs the same rules in the same order as the
 * Express route (body limit and JSON parse errors, Origin TR-02, bearer token RS-TOK-*, then
 * McpEndpoint) with the same Nest-managed singletons, so every answer is byte for byte the one the
 * route gives. Only the plain case takes this path (`accepts`): anything unusual (another method,
 * a query string, another Content-Type or Content-Encoding, no body) goes to Express unchanged.
 * What every response of the app carries (security headers, request id, access log, metrics) is the
 * caller's job (apps/server fast-path).
 */
@Injectable()
export class McpFastPath {
  constructor(
    private readonly endpoint: McpEndpoint,
    private readonly auth: McpAuthService,
    private readonly origins: McpOriginPolicy,
  ) {}

  accepts(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || req.url !== '/mcp') return false;
    const type = req.headers['content-type'];
    if (type !== 'application/json' && (type === undefined || !JSON_UTF8.test(type))) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
    return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  }

  /**
   * `headers` holds what every response of the app carries (name, value, name, value ...); the answer
   * is sent with one writeHead of that flat list plus its own headers (cheaper than a setHeader each).
   */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    ip: string | null,
    headers: string[],
  ): Promise<void> {
    try {
      const body = await readJson(req);
      if (isRefusal(body)) {
        sendJson(res, body.status, headers, {
          jsonrpc: '2.0',
          error: { code: body.code, message: body.message },
          id: null,
        });
        return;
      }
      const decision = this.origins.decide(req.headers.origin);
      for (const [name, value] of decision.headers) headers.push(name, value);
      if (decision.refusal) throw decision.refusal;
      const caller: McpCaller = await this.auth.authenticate(req.headers.authorization);
      const response = await this.endpoint.handle(
        {
          body,
          accept: req.headers.accept,
          contentType: req.headers['content-type'],
          protocolVersion: req.headers['mcp-protocol-version'],
          headers: req.headers,
          ip,
        },
        caller,
      );
      if (response.body === undefined) {
        headers.push('Cache-Control', 'no-store', 'Content-Length', '0');
        res.writeHead(response.status, headers);
        res.end();
        return;
      }
      for (const name in response.headers) headers.push(name, response.headers[name]);
      headers.push(
        'Content-Type',
        response.contentType ?? 'application/json',
        'Cache-Control',
        'no-store',
        'Content-Length',
        String(Buffer.byteLength(response.body)),
      );
      res.writeHead(response.status, headers);
      res.end(response.body);
    } catch (exception) {
      const error = this.endpoint.toHttpError(exception);
      if (res.headersSent) {
        res.end();
        return;
      }
      for (const name in error.headers) headers.push(name, error.headers[name]);
      sendJson(res, error.status, headers, error.body());
    }
  }
}

function isRefusal(body: unknown): body is BodyRefusal {
  return body === PARSE_ERROR || body === TOO_LARGE;
}

/** Like res.json() in Express: no-store, JSON with charset, Content-Length. */
function sendJson(res: ServerResponse, status: number, headers: string[], payload: unknown): void {
  const text = JSON.stringify(payload);
  headers.push(
    'Cache-Control',
    'no-store',
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(text)),
  );
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * The request body as body-parser's strict JSON parser reads it: at most MCP_BODY_LIMIT_BYTES (413
 * otherwise, before reading when Content-Length says so), an empty body is `{}`, only an object or
 * array at the top level.
 */
function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > MCP_BODY_LIMIT_BYTES) {
    req.resume();
    return Promise.resolve(TOO_LARGE);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MCP_BODY_LIMIT_BYTES) {
        done = true;
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
      resolve(parseStrictJson(text));
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

function parseStrictJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/s.exec(body)?.[1];
  if (first !== '{' && first !== '[') return PARSE_ERROR;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return PARSE_ERROR;
  }
}
