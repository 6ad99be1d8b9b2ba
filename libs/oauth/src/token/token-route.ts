import { Injectable, Logger } from '@nestjs/common';
import { BODY_LIMIT_BYTES, jsonReply, type EdgeReply, type EdgeRequest, type EdgeRoute } from '@app/web';
import { OAUTH_CORS_HEADERS, OAUTH_PREFLIGHT_HEADERS } from '../common/cors.middleware';
import { logWireError, normalise, OAUTH_ERROR_LOGGER } from '../common/oauth-error.filters';
import { InvalidRequestError, toWireError } from '../common/oauth-errors';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { TokenEndpoint } from './token-endpoint';

/** CORS (cors.middleware.ts) on every answer: browser-based clients call the token endpoint. */
const CORS = Object.entries(OAUTH_CORS_HEADERS).flat();
const PREFLIGHT = [...CORS, ...Object.entries(OAUTH_PREFLIGHT_HEADERS).flat(), 'Allow', 'POST, OPTIONS'];
/** RFC 6749 §5.1: token endpoint answers, successes and errors, are never cached. */
const NO_STORE = [...CORS, 'Cache-Control', 'no-store', 'Pragma', 'no-cache'];

/**
 * The one handler of POST /api/oauth/token (RFC 6749 §3.2), for every method and content type, on
 * node:http (the edge serves it, see apps/server/src/edge.ts). In order: OPTIONS is the CORS
 * preflight; another method than POST is 405; a form body the reader refuses (malformed, nested
 * deeper than 32, over 1000 parameters, over 100 kb) is invalid_request (400/413) and not counted;
 * then the request counts in the token rate limit of its client IP (AS-REG-11, 429), the body must be
 * a form (RFC 6749 §4.1.3), and TokenEndpoint runs the grant. Every error is an RFC 6749 §5.2 JSON
 * body with its status and headers; every answer has CORS and no-store.
 */
@Injectable()
export class TokenRoute implements EdgeRoute {
  readonly path = '/api/oauth/token';
  readonly body = { kind: 'form', limit: BODY_LIMIT_BYTES } as const;
  private readonly logger = new Logger(OAUTH_ERROR_LOGGER);

  constructor(
    private readonly endpoint: TokenEndpoint,
    private readonly limiter: RateLimiter,
  ) {}

  async handle(request: EdgeRequest): Promise<EdgeReply> {
    if (request.method === 'OPTIONS') return { status: 204, headers: PREFLIGHT };
    if (request.method !== 'POST') {
      const error = new InvalidRequestError('The token endpoint accepts POST only');
      return jsonReply(405, toWireError(error).body, [...NO_STORE, 'Allow', 'POST, OPTIONS']);
    }
    const { body } = request;
    try {
      if (body.kind === 'refused') {
        const error = new InvalidRequestError('The request body could not be parsed');
        return jsonReply(body.status === 413 ? 413 : 400, toWireError(error).body, NO_STORE);
      }
      const ip = request.ip ?? 'unknown';
      await this.limiter.consume('token', ip);
      if (body.kind !== 'parsed') {
        throw new InvalidRequestError('The request body must be application/x-www-form-urlencoded');
      }
      const client = { authorization: request.headers.authorization, ip };
      return jsonReply(200, await this.endpoint.exchange(body.value, client), NO_STORE);
    } catch (thrown) {
      const wire = toWireError(normalise(thrown));
      logWireError(this.logger, `${request.method} ${this.path}`, wire, thrown);
      const headers = [...NO_STORE];
      for (const name in wire.headers) headers.push(name, wire.headers[name]);
      return jsonReply(wire.status, wire.body, headers);
    }
  }
}
