import { Inject, Injectable } from '@nestjs/common';
import { bearerToken, MALFORMED_BEARER, NO_BEARER } from '@app/web';
import { TooManyRequestsError } from '../common/oauth-errors';
import { SECRET_PREFIX } from '../common/secrets';
import {
  ACCESS_TOKEN_VERIFIER,
  type AccessTokenRejection,
  type AccessTokenVerifier,
  type VerifiedAccessToken,
} from '../ports/access-token-verifier';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { ACCESS_TOKEN_SHAPE } from './access-token-verifier.service';

/**
 * What the resource-server check concluded. Each surface (/mcp, the admin API) only turns this into its
 * own challenge and body:
 * - `no_credentials`: no Authorization header, or another scheme (RFC 6750 §3.1: no error code);
 * - `malformed`: the Bearer scheme with something that is not one b64token (RFC 6750 §2.1);
 * - `refused`: unknown, expired, revoked or for another resource (RS-TOK-02/04: `invalid_token`);
 * - `rate_limited`: too many unknown tokens from this client IP (RFC 6585 §4: 429 and Retry-After);
 * - `ok`: valid for the expected resource.
 */
export type ResourceServerOutcome =
  | { readonly kind: 'no_credentials' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'refused'; readonly reason: AccessTokenRejection }
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number }
  | { readonly kind: 'ok'; readonly token: VerifiedAccessToken };

type Refused = Extract<ResourceServerOutcome, { kind: 'refused' }>;

// The refusals are constants: the 401 path is what an attacker hammers, so it allocates nothing.
const NO_CREDENTIALS: ResourceServerOutcome = Object.freeze({ kind: 'no_credentials' });
const MALFORMED: ResourceServerOutcome = Object.freeze({ kind: 'malformed' });
const refused = (reason: AccessTokenRejection): Refused => Object.freeze({ kind: 'refused', reason });
const REFUSED: Readonly<Record<AccessTokenRejection, Refused>> = Object.freeze({
  missing: refused('missing'),
  invalid: refused('invalid'),
  expired: refused('expired'),
  revoked: refused('revoked'),
  wrong_audience: refused('wrong_audience'),
});

/**
 * Refused tokens are remembered for a minute per resource, bounded, oldest evicted: a refusal is final
 * for that resource (unknown, expired, revoked and wrong-audience tokens never become valid there; a
 * token refused by /mcp for its audience may be the admin API's), so repeating one costs no database
 * round trip. Valid tokens are never remembered here (the verifier's own cache handles them and forgets
 * revocations at once).
 */
const REFUSED_TTL_MS = 60_000;
const REFUSED_MAX_ENTRIES = 10_000;

interface RememberedRefusal {
  readonly until: number;
  readonly outcome: Refused;
}

/**
 * The one resource-server check of this process (RS-TOK-*), for every surface that accepts this
 * server's access tokens. Only the Authorization header is read (RS-TOK-07), once, by `bearerToken`;
 * the AccessTokenVerifier checks digest, expiry, revocation and audience (RFC 8707).
 *
 * The answer is synchronous whenever no lookup is needed (no credentials, malformed, a token of a shape
 * this server never issues, a remembered refusal, an IP already over its limit), so those paths allocate
 * no promise either; a caller awaits only when it gets a Promise.
 */
@Injectable()
export class ResourceServerAuthenticator {
  private readonly refused = new Map<string, Map<string, RememberedRefusal>>();

  constructor(
    @Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: AccessTokenVerifier,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * RS-TOK-03: checks the bearer token of a request for `resource` before anything else happens.
   *
   * `ip` (the client IP under TRUST_PROXY) bounds how many bearer tokens the database did not know one
   * client may present per minute, across every surface (RATE_LIMIT_TOKEN_PER_MINUTE, the shared
   * PostgreSQL limiter): each costs a lookup. Over the limit, further unknown tokens are `rate_limited`
   * without a lookup, while a token the verifier holds in memory still passes. Valid tokens never count.
   */
  authenticate(
    authorization: string | undefined,
    resource: string,
    ip?: string | null,
  ): ResourceServerOutcome | Promise<ResourceServerOutcome> {
    const presented = bearerToken(authorization);
    if (presented === NO_BEARER) return NO_CREDENTIALS;
    if (presented === MALFORMED_BEARER) return MALFORMED;
    // An `mcp_at_` token of another shape cannot exist: refused without asking the verifier.
    const ours = ACCESS_TOKEN_SHAPE.test(presented);
    if (!ours && presented.startsWith(SECRET_PREFIX.accessToken)) return REFUSED.invalid;
    if (ours) {
      const remembered = this.rememberedRefusal(presented, resource);
      if (remembered) return remembered;
    }
    const wait = ip ? this.limiter.refusedFor('unknown_token', ip) : null;
    // Over the limit: only a token the verifier holds in memory is checked (no database round trip).
    if (wait !== null && !this.verifier.verifyCached?.(presented, resource)) {
      return { kind: 'rate_limited', retryAfterSeconds: wait };
    }
    return this.lookUp(presented, resource, ours, ip);
  }

  private async lookUp(
    presented: string,
    resource: string,
    ours: boolean,
    ip: string | null | undefined,
  ): Promise<ResourceServerOutcome> {
    // RS-TOK-04/05: the token must have been issued for this resource (RFC 8707 audience).
    const check = await this.verifier.verify(presented, resource);
    if (!check.ok) {
      // 'invalid' for a well-shaped token = the database was asked and knew nothing of it.
      if (ip && ours && check.reason === 'invalid') {
        try {
          await this.limiter.consume('unknown_token', ip);
        } catch (error) {
          if (error instanceof TooManyRequestsError) {
            return { kind: 'rate_limited', retryAfterSeconds: error.retryAfterSeconds };
          }
          throw error;
        }
      }
      // Only well-shaped tokens are remembered (keys of 50 characters), so an attacker sending huge
      // random bearer values cannot fill memory; the verifier refuses those without a database query.
      if (ours) this.remember(presented, resource, REFUSED[check.reason]);
      return REFUSED[check.reason];
    }
    const { token } = check;
    // Defence in depth: the verifier already checked both, but a wrong answer here would leak data.
    if (token.audience !== resource) return REFUSED.wrong_audience;
    if (token.expiresAt.getTime() <= Date.now()) return REFUSED.expired;
    return { kind: 'ok', token };
  }

  private rememberedRefusal(token: string, resource: string): Refused | null {
    const memory = this.refused.get(resource);
    const remembered = memory?.get(token);
    if (remembered === undefined) return null;
    if (remembered.until > Date.now()) return remembered.outcome;
    memory!.delete(token);
    return null;
  }

  // A refused token grants nothing, so it may be kept as is (never logged).
  private remember(token: string, resource: string, outcome: Refused): void {
    let memory = this.refused.get(resource);
    if (!memory) {
      memory = new Map<string, RememberedRefusal>();
      this.refused.set(resource, memory);
    }
    if (memory.size >= REFUSED_MAX_ENTRIES) {
      const oldest = memory.keys().next();
      if (!oldest.done) memory.delete(oldest.value);
    }
    memory.set(token, { until: Date.now() + REFUSED_TTL_MS, outcome });
  }
}
