import { Injectable, Optional } from '@nestjs/common';
import { digest, SECRET_PREFIX } from '../common/secrets';
import type {
  AccessTokenCheck,
  AccessTokenVerifier,
  VerifiedAccessToken,
} from '../ports/access-token-verifier';
import type { RevocationNotice } from '../repositories/sql';
import { AccessTokenRepository, type AccessTokenRecord } from '../repositories/access-token.repository';
import { GrantUsageRecorder } from '../grants-directory/grant-usage';
import { RevocationListener } from './revocation-listener';

/** newSecret('accessToken'): the prefix and 32 random bytes in base64url; no access token has another shape. */
export const ACCESS_TOKEN_SHAPE = new RegExp(`^${SECRET_PREFIX.accessToken}[A-Za-z0-9_-]{43}$`);

/** Small and short: a hot token is read from PostgreSQL at most every few seconds per replica. */
const CACHE_TTL_MS = 10_000;
const CACHE_MAX_ENTRIES = 2_000;

interface CacheEntry {
  record: AccessTokenRecord;
  cachedAt: number;
}

const sameResource = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * RS-TOK-02..05: a bearer token is valid when its digest is known, it has not expired, neither it nor
 * its grant is revoked, and its audience is the expected resource. A per-replica cache keeps the hot
 * path off the database; every replica drops entries within milliseconds of a revocation committed
 * anywhere (PostgreSQL LISTEN/NOTIFY), and the cache is bypassed while that channel is down.
 */
@Injectable()
export class AccessTokenVerifierService implements AccessTokenVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  /** Bumped on every revocation notice: a lookup that raced one is not cached. */
  private generation = 0;

  constructor(
    private readonly tokens: AccessTokenRepository,
    private readonly listener: RevocationListener,
    @Optional() private readonly usage?: GrantUsageRecorder,
  ) {
    listener.subscribe((notice) => this.onNotice(notice));
  }

  async verify(token: string | undefined, expectedAudience: string): Promise<AccessTokenCheck> {
    if (!token) return { ok: false, reason: 'missing' };
    // newSecret('accessToken') = prefix + 32 random bytes in base64url: any other shape cannot exist,
    // so it is refused without a database round trip.
    if (!ACCESS_TOKEN_SHAPE.test(token)) return { ok: false, reason: 'invalid' };
    const key = digest(token);
    const cacheKey = key.toString('base64');
    return this.judge(await this.lookup(key, cacheKey), expectedAudience);
  }

  verifyCached(token: string, expectedAudience: string): AccessTokenCheck | null {
    if (!ACCESS_TOKEN_SHAPE.test(token) || !this.listener.healthy) return null;
    const hit = this.cache.get(digest(token).toString('base64'));
    if (!hit || Date.now() - hit.cachedAt >= CACHE_TTL_MS) return null;
    return this.judge(hit.record, expectedAudience);
  }

  private judge(record: AccessTokenRecord | null, expectedAudience: string): AccessTokenCheck {
    if (!record) return { ok: false, reason: 'invalid' };
    if (record.revoked) return { ok: false, reason: 'revoked' };
    if (record.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    // RS-TOK-04 / AS-RI-04: issued for this resource (a trailing slash is not a different resource).
    if (!sameResource(record.audience, expectedAudience)) return { ok: false, reason: 'wrong_audience' };
    const verified: VerifiedAccessToken = {
      userId: record.userId,
      clientId: record.clientId,
      grantId: record.grantId,
      scopes: record.scopes,
      audience: record.audience,
      expiresAt: record.expiresAt,
    };
    // "last used" on the account page, written at most once a minute per grant.
    this.usage?.used(record.grantId);
    return { ok: true, token: verified };
  }

  private async lookup(key: Buffer, cacheKey: string): Promise<AccessTokenRecord | null> {
    const useCache = this.listener.healthy;
    if (useCache) {
      const hit = this.cache.get(cacheKey);
      if (hit && Date.now() - hit.cachedAt < CACHE_TTL_MS) return hit.record;
      if (hit) this.cache.delete(cacheKey);
    }
    const generation = this.generation;
    const record = await this.tokens.findAccessToken(key);
    if (record && useCache && this.listener.healthy && generation === this.generation) {
      if (this.cache.size >= CACHE_MAX_ENTRIES) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(cacheKey, { record, cachedAt: Date.now() });
    }
    return record;
  }

  private onNotice(notice: RevocationNotice | 'resync'): void {
    this.generation++;
    if (notice === 'resync') {
      this.cache.clear();
      return;
    }
    for (const [key, entry] of this.cache) {
      const r = entry.record;
      const hit =
        (notice.kind === 'grant' && r.grantId === notice.id) ||
        (notice.kind === 'token' && r.id === notice.id) ||
        (notice.kind === 'client' && r.clientId === notice.id);
      if (hit) this.cache.delete(key);
    }
  }
}
