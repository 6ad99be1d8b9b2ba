import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TooManyRequestsError } from '../common/oauth-errors';
import { RateLimitRepository } from '../repositories/rate-limit.repository';

/**
 * The counted routes. `sign_in` (GET /auth/:provider, which writes a sign-in state row) and
 * `authorize_continue` share the authorize limit; `client_configuration` (RFC 7592 GET/PUT/DELETE) too;
 * `unknown_token` counts bearer tokens on /mcp and the admin API that the database did not know (one
 * counter for both, see verification/resource-server.ts), at the token limit.
 */
export type RateLimitBucket =
  | 'register'
  | 'authorize'
  | 'token'
  | 'sign_in'
  | 'authorize_continue'
  | 'client_configuration'
  | 'unknown_token';

/**
 * The key a client is counted under: an IPv4 address as is; an IPv6 address by its /64 prefix, since one
 * subscriber usually holds a whole /64 (RFC 6177 / RFC 7934) and could otherwise rotate through 2^64
 * addresses. An IPv4-mapped IPv6 address counts as its IPv4 address.
 */
export function rateLimitKeyOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIP(ip) !== 6) return ip;
  const withoutZone = ip.split('%')[0].toLowerCase();
  const [head, tail = ''] = withoutZone.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = withoutZone.includes('::') ? (tail ? tail.split(':') : []) : [];
  // An embedded IPv4 tail (64:ff9b::1.2.3.4) stands for two groups; only the first four groups matter.
  const tailGroups = tailParts.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const missing = 8 - headParts.length - tailGroups;
  const groups = [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
}

/** What a replica knows of one key's current window. */
interface Lease {
  /** Hits taken from the shared counter and not used yet. */
  remaining: number;
  /** The window's count had reached the limit: refused until the window ends. */
  refused: boolean;
  /** When the window ends, on this process's monotonic clock (ms; never later than the database's). */
  endsAt: number;
  /** A take in flight for this key: concurrent requests wait for it instead of sending their own. */
  pending?: Promise<void>;
}

/** A replica takes at most 1/LEASE_SHARE of a window's limit at once (≤ 5 % per replica unused). */
export const LEASE_SHARE = 20;
/** Bound on the keys (bucket and client IP) whose leases a replica keeps. */
export const MAX_LEASES = 10_000;

/** The number of hits a replica takes from the shared counter in one round trip. */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.floor(limit / LEASE_SHARE));
}

/**
 * Fixed-window limits per endpoint and client IP (AS-REG-11), counted in PostgreSQL so that every
 * replica shares them (LB-06).
 *
 * A replica does not send a statement per request. It takes hits from the shared counter in
 * leases of limit/20 (at least 1) and admits requests from its lease until the lease is used up or the
 * window ends. A lease counts in full the moment it is taken, so all replicas together never admit
 * more than the limit; what a replica holds unused when the window ends is refused to the others (at
 * most limit/20 per replica: the error is on the side of refusing). Below a limit of 40 a lease is one
 * hit, i.e. every request is counted in PostgreSQL as it arrives. A window found over the limit is
 * remembered until it ends, so a client being refused costs no further statements.
 */
@Injectable()
export class RateLimiter {
  private readonly leases = new Map<string, Lease>();
  private takesSinceCleanup = 0;

  constructor(
    private readonly counters: RateLimitRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  policy(bucket: RateLimitBucket): RateLimitPolicy {
    const limits = this.config.rateLimits;
    switch (bucket) {
      case 'register':
        return { limit: limits.registerPerHour, windowSeconds: 3600 };
      case 'authorize':
      case 'sign_in':
      case 'authorize_continue':
      case 'client_configuration':
        return { limit: limits.authorizePerMinute, windowSeconds: 60 };
      case 'token':
      case 'unknown_token':
        return { limit: limits.tokenPerMinute, windowSeconds: 60 };
    }
  }

  /** Counts one request of `ip` in `bucket`; over the limit → TooManyRequestsError (429, Retry-After). */
  async consume(bucket: RateLimitBucket, ip: string): Promise<void> {
    return this.consumeKey(`${bucket}:${rateLimitKeyOf(ip)}`, this.policy(bucket));
  }

  /**
   * Counts one request under a key and policy of the caller's choosing (e.g. the email sign-in's
   * per-address limit, keyed by a digest of the address); same leases, same shared counters.
   */
  async consumeKey(key: string, policy: RateLimitPolicy): Promise<void> {
    for (;;) {
      const lease = this.leases.get(key);
      const now = performance.now();
      if (lease && lease.endsAt > now) {
        if (lease.remaining > 0) {
          lease.remaining--;
          return;
        }
        if (lease.refused) {
          throw new TooManyRequestsError(Math.max(1, Math.ceil((lease.endsAt - now) / 1000)));
        }
      }
      if (lease?.pending) {
        // A failed statement fails its waiters too: with PostgreSQL down, every request gets its 503
        // at once instead of each retrying in turn behind the others.
        await lease.pending;
        continue;
      }
      await this.take(key, policy, lease);
    }
  }

  /**
   * Without counting anything and without a statement: the seconds until `ip` may be admitted in
   * `bucket` again, when this replica already knows its window is over the limit; otherwise null.
   */
  refusedFor(bucket: RateLimitBucket, ip: string): number | null {
    const lease = this.leases.get(`${bucket}:${rateLimitKeyOf(ip)}`);
    const now = performance.now();
    if (!lease || !lease.refused || lease.endsAt <= now) return null;
    return Math.max(1, Math.ceil((lease.endsAt - now) / 1000));
  }

  /** Takes a lease from PostgreSQL; the window's count before it says how much of it is within the limit. */
  private take(key: string, policy: RateLimitPolicy, known: Lease | undefined): Promise<void> {
    const lease: Lease = known ?? { remaining: 0, refused: false, endsAt: 0 };
    if (!known) this.remember(key, lease);
    const size = leaseSize(policy.limit);
    const sentAt = performance.now();
    const pending = this.counters.take(key, policy.windowSeconds, size).then(
      (hit) => {
        const within = Math.min(size, Math.max(0, policy.limit - (hit.hits - size)));
        lease.remaining = within;
        lease.refused = within === 0;
        // Measured from before the statement was sent, so the lease never outlives the window.
        lease.endsAt = sentAt + hit.resetsInMs;
        lease.pending = undefined;
      },
      (error: unknown) => {
        lease.pending = undefined;
        throw error;
      },
    );
    lease.pending = pending;
    if (++this.takesSinceCleanup >= 1000) {
      this.takesSinceCleanup = 0;
      void this.counters.deleteExpired().catch(() => undefined);
    }
    return pending;
  }

  private remember(key: string, lease: Lease): void {
    if (this.leases.size >= MAX_LEASES) {
      const now = performance.now();
      for (const [k, v] of this.leases) if (v.endsAt <= now && !v.pending) this.leases.delete(k);
      // Still full: forget the rest too. The counters stay right in PostgreSQL; only unused parts of
      // leases are lost, which refuses slightly early and never admits too much.
      if (this.leases.size >= MAX_LEASES) {
        for (const [k, v] of this.leases) if (!v.pending) this.leases.delete(k);
      }
    }
    this.leases.set(key, lease);
  }
}
