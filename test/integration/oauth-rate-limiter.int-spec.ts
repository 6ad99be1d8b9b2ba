// Checks AS-REG-11 / LB-06 (rate-limit counters shared by every replica): two RateLimiters on two
// connection pools, leasing from the real oauth_rate_limits upsert, never admit more than the limit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TooManyRequestsError } from '../../libs/oauth/src/common/oauth-errors';
import { RateLimitRepository } from '../../libs/oauth/src/repositories/rate-limit.repository';
import { RateLimiter, type RateLimitBucket } from '../../libs/oauth/src/rate-limit/rate-limiter';

class CountingRepository extends RateLimitRepository {
  statements = 0;
  override take(key: string, windowSeconds: number, count?: number) {
    this.statements++;
    return super.take(key, windowSeconds, count);
  }
}

const config = {
  rateLimits: { registerPerHour: 2, authorizePerMinute: 60, tokenPerMinute: 600 },
} as unknown as AppConfig;

describe('RateLimiter on PostgreSQL: two replicas, one counter', () => {
  let db: TestDatabase;
  const pools: DataSource[] = [];
  const repos: CountingRepository[] = [];
  const limiters: RateLimiter[] = [];

  before(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
      await ds.initialize();
      pools.push(ds);
      repos.push(new CountingRepository(ds));
      limiters.push(new RateLimiter(repos[i], config));
    }
  });
  after(async () => {
    for (const ds of pools) await ds.destroy();
    await db.drop();
  });

  /** Runs `perReplica` requests at once on each replica, inside one window (waits out a window's last seconds). */
  async function burst(bucket: RateLimitBucket, ip: string, perReplica: number) {
    const windowSeconds = limiters[0].policy(bucket).windowSeconds;
    const probe = await repos[0].take(`probe:${ip}`, windowSeconds);
    if (probe.resetsInMs < 5000) await new Promise((r) => setTimeout(r, probe.resetsInMs + 100));
    const before = repos[0].statements + repos[1].statements;
    const outcomes = await Promise.all(
      limiters.flatMap((limiter) =>
        Array.from({ length: perReplica }, () =>
          limiter.consume(bucket, ip).then(
            () => 'admitted' as const,
            (error: unknown) => {
              if (error instanceof TooManyRequestsError) return error;
              throw error;
            },
          ),
        ),
      ),
    );
    const [row] = await pools[0].query<{ hits: number }[]>(
      `SELECT sum(hits)::int AS hits FROM oauth_rate_limits WHERE bucket_key = $1`,
      [`${bucket}:${ip}`],
    );
    return {
      admitted: outcomes.filter((o) => o === 'admitted').length,
      refusals: outcomes.filter((o): o is TooManyRequestsError => o !== 'admitted'),
      statements: repos[0].statements + repos[1].statements - before,
      hits: row.hits,
    };
  }

  it('limit 600 (leases of 30): at most 600 admitted, one statement per lease', async () => {
    const got = await burst('token', '203.0.113.50', 700);
    assert.ok(got.admitted <= 600 && got.admitted >= 600 - 2 * 29, `${got.admitted} admitted`);
    assert.ok(got.statements <= 20 + 2, `${got.statements} statements`);
    assert.equal(got.hits, got.statements * 30, 'each statement counted one lease of 30');
    for (const r of got.refusals) assert.ok(r.retryAfterSeconds >= 1 && r.retryAfterSeconds <= 60);
  });

  it('limit 2 (leases of 1): exactly 2 admitted across both replicas', async () => {
    const got = await burst('register', '203.0.113.51', 10);
    assert.equal(got.admitted, 2);
    assert.ok(got.statements <= 4, `${got.statements} statements`);
    for (const r of got.refusals) assert.ok(r.retryAfterSeconds >= 1 && r.retryAfterSeconds <= 3600);
  });
});
