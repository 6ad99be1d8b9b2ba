import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { parse as parseQuery } from 'qs';
import { OAUTH_CORS_HEADERS } from '../common/cors.middleware';
import { logWireError, normalise, OAUTH_ERROR_LOGGER } from '../common/oauth-error.filters';
import { InvalidRequestError, toWireError } from '../common/oauth-errors';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { TokenEndpoint } from './token-endpoint';

/** Bodies up to this size take the fast path; larger ones (never a real token request) go to Express. */
export const TOKEN_FAST_BODY_MAX_BYTES = 16 * 1024;

const FORM = 'application/x-www-form-urlencoded';
/**
 * The one parameter body-parser reads as UTF-8: `charset=utf-8` or `charset="utf-8"`. A stray quote
 * (`charset=utf-8"`) is not: content-type 2 reads that charset as `utf-8"` and body-parser refuses it
 * (415, answered 400), so it must go to Express rather than be parsed here.
 */
const FORM_UTF8 = /^application\/x-www-form-urlencoded; *charset=(?:utf-8|"utf-8")$/i;

/** What oauthCors sets on every answer of the token route (also on body-parser refusals). */
const CORS_HEADERS = Object.entries(OAUTH_CORS_HEADERS).flat();

/** body-parser's urlencoded parser (extended, as Nest configures it) refuses the body: 400 or 413. */
class BodyRefused {
  constructor(readonly status: 400 | 413) {}
}

/**
 * POST /api/oauth/token straight on node:http (issue #7): every client refresh without Express and the
 * Nest pipeline (routing, guards, interceptors, body-parser, cookie-parser, pino-http, helmet), which
 * cost more CPU than the grant itself. It does what the Express route does, in the same order, with
 * the same singletons: parse the form body exactly as body-parser does (qs, same options), count the
 * request in the token rate limit (RateLimiter), run TokenEndpoint, and answer errors as
 * OAuthJsonExceptionFilter and OAuthBodyErrorHandler do. Only the plain case takes this path
 * (`accepts`): a form body of known length up to TOKEN_FAST_BODY_MAX_BYTES, no query string, no
 * Content-Encoding; all else goes to Express unchanged. What every response of the app carries
 * (security headers, request id, access log, metrics) is the caller's job (apps/server fast-path).
 */
@Injectable()
export class TokenFastPath {
  private readonly logger = new Logger(OAUTH_ERROR_LOGGER);

  constructor(
    private readonly endpoint: TokenEndpoint,
    private readonly limiter: RateLimiter,
  ) {}

  accepts(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || req.url !== '/api/oauth/token') return false;
    const type = req.headers['content-type'];
    if (type !== FORM && (type === undefined || !FORM_UTF8.test(type))) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
    if (req.headers['transfer-encoding'] !== undefined) return false;
    const length = req.headers['content-length'];
    return length !== undefined && Number(length) <= TOKEN_FAST_BODY_MAX_BYTES;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    ip: string | null,
    headers: string[],
  ): Promise<void> {
    const text = await readBody(req);
    if (text === null) {
      res.destroy(); // the client went away mid-body (Express: 400 "request aborted", to nobody)
      return;
    }
    for (const header of CORS_HEADERS) headers.push(header);
    let refusedBody = false;
    try {
      const body = parseForm(text);
      if (body instanceof BodyRefused) {
        refusedBody = true;
        // As OAuthBodyErrorHandler answers a body-parser error.
        const wire = toWireError(new InvalidRequestError('The request body could not be parsed'));
        send(res, body.status, headers, [], wire.body);
        return;
      }
      await this.limiter.consume('token', ip ?? 'unknown');
      const client = { authorization: req.headers.authorization, ip: ip ?? 'unknown' };
      send(res, 200, headers, [], await this.endpoint.exchange(body, client));
    } catch (thrown) {
      if (res.headersSent || refusedBody) {
        res.destroy();
        return;
      }
      const wire = toWireError(normalise(thrown));
      logWireError(this.logger, 'POST /api/oauth/token', wire, thrown);
      const extra: string[] = [];
      for (const name in wire.headers) extra.push(name, wire.headers[name]);
      send(res, wire.status, headers, extra, wire.body);
    }
  }
}

/** Like res.status(s).set({...extra, no-store, no-cache}).json(payload) in Express. */
function send(
  res: ServerResponse,
  status: number,
  headers: string[],
  extra: string[],
  payload: unknown,
): void {
  const text = JSON.stringify(payload);
  headers.push(
    ...extra,
    'Cache-Control',
    'no-store',
    'Pragma',
    'no-cache',
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(text)),
  );
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * The body, whose length `accepts` bounded through Content-Length (node:http enforces it); null when
 * the request is aborted before it is complete.
 */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8')));
    req.on('error', () => resolve(null));
    req.on('aborted', () => resolve(null));
  });
}

/**
 * body-parser 2's extended urlencoded parser, step for step: the UTF-8 decoder drops a byte order
 * mark; an empty body is `{}`; more than 1000 parameters is 413; qs with the options body-parser
 * passes, where a nesting deeper than 32 (qs throws RangeError), or any other parser exception, is 400.
 */
export function parseForm(text: string): Record<string, unknown> | BodyRefused {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  let count = 0;
  let index = -1;
  do {
    if (++count > PARAMETER_LIMIT) return new BodyRefused(413);
    index = body.indexOf('&', index + 1);
  } while (index !== -1);
  try {
    return parseQuery(body, {
      allowPrototypes: true,
      arrayLimit: Math.max(100, count),
      depth: 32,
      charset: 'utf-8',
      parameterLimit: PARAMETER_LIMIT,
      strictDepth: true,
    });
  } catch {
    // body-parser answers 400 for whatever the parser throws (createError(400, err)), not only the
    // RangeError of a nesting deeper than 32; an exception here must not become a 500.
    return new BodyRefused(400);
  }
}
const PARAMETER_LIMIT = 1000;
