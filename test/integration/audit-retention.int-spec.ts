// Checks the audit-log retention of the periodic housekeeping job (AUDIT_RETENTION_DAYS): events older
// than the retention are deleted in bounded batches, every more recent event stays, and 0 keeps all.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { AuditRetention } from '@app/audit';
import type { AppConfig } from '@app/config';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { OAuthHousekeeping } from '../../libs/oauth/src/housekeeping';
import { ExpiredTokenPurge } from '../../libs/oauth/src/repositories/expired-token-purge';
import { AuthorizationRequestRepository } from '../../libs/oauth/src/repositories/authorization-request.repository';
import { RateLimitRepository } from '../../libs/oauth/src/repositories/rate-limit.repository';
import { GrantsDirectoryRepository } from '../../libs/oauth/src/grants-directory/grants-directory.repository';
import { JwtIdRegistry } from '../../libs/oauth/src/jose/jwt-id-registry';
import { ClientGrantRepository } from '../../libs/oauth/src/repositories/client-grant.repository';

describe('audit-log retention in the housekeeping job (AUDIT_RETENTION_DAYS)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  const housekeeping = (auditRetentionDays: number) =>
    new OAuthHousekeeping(
      new AuthorizationRequestRepository(ds),
      new ExpiredTokenPurge(ds),
      new RateLimitRepository(ds),
      new GrantsDirectoryRepository(ds),
      ds,
      { dcrClientTtlDays: 90, auditRetentionDays } as AppConfig,
      new AuditRetention(ds),
      new JwtIdRegistry(ds),
      new ClientGrantRepository(ds),
    );
  /** `n` events of `type` created at now() - `age`, inserted in that order (ids grow with time). */
  const seed = (n: number, type: string, age: string) =>
    ds.query(
      `INSERT INTO audit_events (created_at, type, detail)
       SELECT now() - $3::interval, $1, '{}'::jsonb FROM generate_series(1, $2)`,
      [type, n, age],
    );
  const counts = async () =>
    Object.fromEntries(
      (
        await ds.query<{ type: string; n: number }[]>(
          `SELECT type, count(*)::int AS n FROM audit_events GROUP BY type`,
        )
      ).map((r) => [r.type, r.n]),
    ) as Record<string, number>;

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    await ds.initialize();
    await ds.query('DELETE FROM audit_events');
    await seed(2600, 'test.ancient', '400 days');
    await seed(300, 'test.old', '31 days');
    await seed(7, 'test.recent', '29 days');
    await seed(5, 'test.today', '1 minute');
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('keeps everything when the retention is 0', async () => {
    const run = await housekeeping(0).run({ batchSize: 1000, pauseMs: 0 });
    assert.equal(run.ran, true);
    assert.equal(run.auditEvents, 0);
    assert.deepEqual(await counts(), {
      'test.ancient': 2600,
      'test.old': 300,
      'test.recent': 7,
      'test.today': 5,
    });
  });

  it('deletes, in batches, every event older than the retention and keeps the recent ones', async () => {
    const run = await housekeeping(30).run({ batchSize: 1000, pauseMs: 0 });
    assert.equal(run.ran, true);
    assert.equal(run.auditEvents, 2900);
    assert.deepEqual(await counts(), { 'test.recent': 7, 'test.today': 5 });
    // A second round finds nothing more to delete.
    assert.equal((await housekeeping(30).run({ batchSize: 1000, pauseMs: 0 })).auditEvents, 0);
  });

  it('never deletes more than one batch of rows in one statement', async () => {
    await ds.query('DELETE FROM audit_events');
    await seed(250, 'test.old', '31 days');
    // Newer rows after the old ones: the batch that reaches them is the last one.
    await seed(3, 'test.today', '1 minute');
    const retention = new AuditRetention(ds);
    let batches = 0;
    const deleted = await retention.deleteOlderThan(30, {
      batchSize: 100,
      pauseMs: 0,
      shouldStop: () => batches++ >= 1, // allow exactly one batch
    });
    assert.equal(deleted, 100);
    assert.equal((await counts())['test.old'], 150);
    assert.equal(await retention.deleteOlderThan(30, { batchSize: 100, pauseMs: 0 }), 150);
    assert.deepEqual(await counts(), { 'test.today': 3 });
  });
});
