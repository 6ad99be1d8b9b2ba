import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { protectedResourceMetadataUrl } from '@app/discovery';
import {
  ACCESS_TOKEN_VERIFIER,
  RateLimiter,
  TooManyRequestsError,
  type AccessTokenVerifier,
} from '@app/oauth';
import { bearerToken, MALFORMED_BEARER, NO_BEARER } from '@app/web';
import { McpHttpError } from '../http/mcp-errors';
import { ToolCatalog } from '../tools/tool-catalog';
import type { McpCaller } from '../tools/tool-types';

/**
 * OAuthModule's access tokens are `mcp_at_` + 256 random bits in base64url (libs/oauth secrets.ts). A
 * token with that prefix but another shape cannot exist: refused without asking the verifier, so
 * without a database round trip (the 401 path is what an attacker hammers).
 */
const ACCESS_TOKEN_PREFIX = 'mcp_at_';
const ACCESS_TOKEN_SHAPE = /^mcp_at_[A-Za-z0-9_-]{43}$/;

/**
 * Refused tokens are remembered for a minute, bounded, oldest evicted: a refusal is final
 * (unknown, expired, revoked and wrong-audience tokens never become valid), so a client or attacker
 * repeating one costs no database round trip. Valid tokens are never cached here (the verifier's own
 * cache handles them and forgets revocations at once).
 */
const REFUSED_TTL_MS = 60_000;
const REFUSED_MAX_ENTRIES = 10_000;

/**
 * The resource server's token rules (RS-TOK-*), kept out of the guard (docs/architecture.md C7). It never reads
 * OAuth tables: OAuthModule's AccessTokenVerifier checks digest, expiry, revocation and audience.
 */
@Injectable()
export class McpAuthService {
  /** RFC 9728 §5.1 / RS-PRM-05: where clients find our protected resource metadata. */
  readonly resourceMetadataUrl: string;
  private readonly refused = new Map<string, number>();
  private readonly challenges: [McpHttpError?, McpHttpError?] = [];
  /** Keyed by the verifier's (cached, so reused) scopes array; entries go when the array does. */
  private readonly expansions = new WeakMap<readonly string[], readonly string[]>();

  constructor(
    @Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: AccessTokenVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ToolCatalog,
    private readonly limiter: RateLimiter,
  ) {
    this.resourceMetadataUrl = protectedResourceMetadataUrl(config);
  }

  /**
   * RS-TOK-03: validates the bearer token before anything else happens. Only the Authorization header
   * is read; a token in the query string or body is never accepted (RS-TOK-07). Throws the 401.
   *
   * `ip` (the client IP under TRUST_PROXY) bounds how many bearer tokens the database did not know one
   * client may present per minute (RATE_LIMIT_TOKEN_PER_MINUTE, shared PostgreSQL limiter): each costs a
   * lookup. Over the limit, further unknown tokens are answered 429 with Retry-After (RFC 6585 §4) without
   * a lookup. Valid tokens (the verifier's cache, or found in the database) are never counted.
   */
  async authenticate(authorization: string | undefined, ip?: string | null): Promise<McpCaller> {
    const presented = bearerToken(authorization);
    // RFC 6750 §3.1: a request without credentials gets a challenge with no error code.
    if (presented === NO_BEARER) throw this.unauthorized(false);
    if (
      presented === MALFORMED_BEARER ||
      (presented.startsWith(ACCESS_TOKEN_PREFIX) && !ACCESS_TOKEN_SHAPE.test(presented))
    ) {
      throw this.unauthorized(true);
    }
    // A refused token grants nothing, so it may be kept as is (never logged).
    const refusedUntil = this.refused.get(presented);
    if (refusedUntil !== undefined) {
      if (refusedUntil > Date.now()) throw this.unauthorized(true);
      this.refused.delete(presented);
    }
    const lookupCost = ip ? this.limiter.refusedFor('unknown_token', ip) : null;
    if (lookupCost !== null) {
      // Over the limit: only a token the verifier holds in memory is checked (no database round trip).
      const cached = this.verifier.verifyCached?.(presented, this.config.mcpResource);
      if (!cached) throw this.tooManyUnknownTokens(lookupCost);
    }
    // RS-TOK-04/05: the token must have been issued for this resource (RFC 8707 audience).
    const check = await this.verifier.verify(presented, this.config.mcpResource);
    if (!check.ok) {
      // 'invalid' for a well-shaped token = the database was asked and knew nothing of it.
      if (ip && check.reason === 'invalid' && ACCESS_TOKEN_SHAPE.test(presented)) {
        try {
          await this.limiter.consume('unknown_token', ip);
        } catch (error) {
          if (error instanceof TooManyRequestsError) throw this.tooManyUnknownTokens(error.retryAfterSeconds);
          throw error;
        }
      }
      // Only well-shaped tokens are remembered (keys of 50 characters), so an attacker sending huge
      // random bearer values cannot fill memory; the verifier refuses those without a database query.
      if (ACCESS_TOKEN_SHAPE.test(presented)) this.rememberRefused(presented);
      throw this.unauthorized(true);
    }
    const { token } = check;
    // Defence in depth: the verifier already checked both, but a wrong answer here would leak data.
    if (token.audience !== this.config.mcpResource || token.expiresAt.getTime() <= Date.now()) {
      throw this.unauthorized(true);
    }
    return Object.freeze({
      userId: token.userId,
      clientId: token.clientId,
      grantId: token.grantId,
      scopes: this.expandedScopes(token.scopes),
    });
  }

  /**
   * RFC 6585 §4: 429 with Retry-After. Not a 401: a 401 invites the client to fetch a new token and try
   * again at once (RFC 6750 §3.1), which is what a flood of guessed tokens would do anyway.
   */
  private tooManyUnknownTokens(retryAfterSeconds: number): McpHttpError {
    return new McpHttpError(429, 'Too many requests with unknown bearer tokens; try again later', {
      'Retry-After': String(retryAfterSeconds),
    });
  }

  /** The scopes with everything they imply, sorted; computed once per scopes array the verifier hands out. */
  private expandedScopes(scopes: readonly string[]): readonly string[] {
    let expanded = this.expansions.get(scopes);
    if (!expanded) {
      expanded = Object.freeze([...this.catalog.expand(scopes)].sort());
      this.expansions.set(scopes, expanded);
    }
    return expanded;
  }

  private rememberRefused(token: string): void {
    if (this.refused.size >= REFUSED_MAX_ENTRIES) {
      const oldest = this.refused.keys().next();
      if (!oldest.done) this.refused.delete(oldest.value);
    }
    this.refused.set(token, Date.now() + REFUSED_TTL_MS);
  }

  /** RS-SC-06: whether the caller's scopes, with everything they imply, cover `required`. */
  allows(caller: McpCaller, required: readonly string[]): boolean {
    return required.every((scope) => caller.scopes.includes(scope));
  }

  /**
   * RS-TOK-01/02, RS-SC-01: 401 naming the metadata and the minimal default scopes, plus
   * `error="invalid_token"` when a token was presented (missing, invalid, expired, revoked, wrong
   * audience all look the same to the client: get a new token).
   */
  unauthorized(tokenPresented: boolean): McpHttpError {
    // Built once per kind (the challenge never changes while the process runs): the 401 path is what an
    // attacker hammers, so it allocates no Error and no strings per request.
    const index = tokenPresented ? 1 : 0;
    return (this.challenges[index] ??= this.buildUnauthorized(tokenPresented));
  }

  private buildUnauthorized(tokenPresented: boolean): McpHttpError {
    const params = [
      ...(tokenPresented ? ['error="invalid_token"'] : []),
      `resource_metadata="${this.resourceMetadataUrl}"`,
      ...this.scopeParam(this.catalog.defaults()),
    ];
    return new McpHttpError(
      401,
      tokenPresented ? 'Unauthorized: invalid_token' : 'Unauthorized: a bearer token is required',
      { 'WWW-Authenticate': `Bearer ${params.join(', ')}` },
    );
  }

  /**
   * RS-SC-04/05: 403 step-up challenge naming every scope this call needs (in one challenge), so the
   * client can ask the user for exactly that.
   */
  insufficientScope(required: readonly string[]): McpHttpError {
    const params = [
      'error="insufficient_scope"',
      ...this.scopeParam(required),
      `resource_metadata="${this.resourceMetadataUrl}"`,
    ];
    return new McpHttpError(403, 'Forbidden: insufficient_scope', {
      'WWW-Authenticate': `Bearer ${params.join(', ')}`,
    });
  }

  private scopeParam(scopes: readonly string[]): string[] {
    return scopes.length > 0 ? [`scope="${scopes.join(' ')}"`] : [];
  }
}
