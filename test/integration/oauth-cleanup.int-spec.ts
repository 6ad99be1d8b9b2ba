// Checks: the expired rows are cleaned up by a periodic job that deletes in bounded batches
// without long locks, and only one replica runs it at a time (advisory lock); live rows stay.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TestTokenStore } from '../support/token-store';
import { HOUSEKEEPING_LOCK_KEY, OAuthHousekeeping } from '../../libs/oauth/src/housekeeping';
import { AuthorizationRequestRepository } from '../../libs/oauth/src/repositories/authorization-request.repository';
import { RateLimitRepository } from '../../libs/oauth/src/repositories/rate-limit.repository';
import { GrantsDirectoryRepository } from '../../libs/oauth/src/grants-directory/grants-directory.repository';
import { JwtIdRegistry } from '../../libs/oauth/src/jose/jwt-id-registry';
import { ClientGrantRepository } from '../../libs/oauth/src/repositories/client-grant.repository';
import type { AppConfig } from '@app/config';
import { AuditRetention } from '@app/audit';

describe('OAuth housekeeping: batched deletion of expired rows, one replica at a time', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let tokens: TestTokenStore;
  let housekeeping: OAuthHousekeeping;
  const userId = randomUUID();
  const clientId = 'mcpc_cleanup';
  const grantId = randomUUID();

  /** `n` access tokens expiring at now() + `offset`. */
  const seedAccess = (n: number, offset: string) =>
    ds.query(
      `INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
       SELECT gen_random_uuid(), sha256(convert_to(gen_random_uuid()::text, 'UTF8')), $1, $2, $3,
              '{notes:read}', 'https://mcp.example/mcp', now() + $4::interval
         FROM generate_series(1, $5)`,
      [grantId, clientId, userId, offset, n],
    );
  const seedRefresh = (n: number, offset: string) =>
    ds.query(
      `INSERT INTO oauth_refresh_tokens (id, token_hash, grant_id, client_id, user_id, expires_at)
       SELECT gen_random_uuid(), sha256(convert_to(gen_random_uuid()::text, 'UTF8')), $1, $2, $3, now() + $4::interval
         FROM generate_series(1, $5)`,
      [grantId, clientId, userId, offset, n],
    );
  const count = async (table: string, where: string) =>
    (await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))[0].n;

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    await ds.initialize();
    await ds.query(`INSERT INTO users (id, display_name) VALUES ($1, 'Cleo')`, [userId]);
    await ds.query(
      `INSERT INTO oauth_clients (client_id, token_endpoint_auth_method, redirect_uris, grant_types, response_types)
       VALUES ($1, 'none', '{https://a.example/cb}', '{authorization_code,refresh_token}', '{code}')`,
      [clientId],
    );
    await ds.query(
      `INSERT INTO oauth_grants (id, user_id, client_id, scopes, resource) VALUES ($1, $2, $3, '{notes:read}', 'https://mcp.example/mcp')`,
      [grantId, userId, clientId],
    );
    tokens = new TestTokenStore(ds);
    housekeeping = new OAuthHousekeeping(
      new AuthorizationRequestRepository(ds),
      tokens.purge,
      new RateLimitRepository(ds),
      new GrantsDirectoryRepository(ds),
      ds,
      { dcrClientTtlDays: 90, auditRetentionDays: 0 } as AppConfig,
      new AuditRetention(ds),
      new JwtIdRegistry(ds),
      new ClientGrantRepository(ds),
    );
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('deletes rows expired for more than a day in batches of the given size, and nothing else', async () => {
    await seedAccess(2500, `-2 days`); // long expired → deleted
    await seedAccess(7, `-2 hours`); // expired, but less than a day ago → kept (still explains a 401)
    await seedAccess(5, `1 hour`); // live → kept
    await seedRefresh(1200, `-3 days`);
    await seedRefresh(4, `30 days`);

    const batch = await tokens.deleteExpiredBatch('oauth_access_tokens', 1000);
    assert.equal(batch, 1000, 'one statement deletes at most its batch');
    assert.equal(await count('oauth_access_tokens', `expires_at < now() - interval '1 day'`), 1500);

    const run = await housekeeping.run({ batchSize: 1000, pauseMs: 1 });
    assert.equal(run.ran, true);
    // access: 1000 + 500 (2 statements), refresh: 1000 + 200 (2), codes: 0 (1)
    assert.deepEqual(run.tokens, { deleted: 2700, batches: 5 });
    assert.equal(await count('oauth_access_tokens', `expires_at < now() - interval '1 day'`), 0);
    assert.equal(await count('oauth_access_tokens', `expires_at < now()`), 7);
    assert.equal(await count('oauth_access_tokens', `expires_at > now()`), 5);
    assert.equal(await count('oauth_refresh_tokens', 'true'), 4);
    assert.equal(await count('oauth_grants', `id = '${grantId}'`), 1, 'the grant stays for the audit trail');
  });

  it("deletes client_credentials grants whose token is gone, a day on; never a person's grant (EXT-CC-05)", async () => {
    const spent = randomUUID();
    const live = randomUUID();
    const fresh = randomUUID();
    for (const [id, age] of [
      [spent, '2 days'],
      [live, '2 days'],
      [fresh, '1 hour'],
    ]) {
      await ds.query(
        `INSERT INTO oauth_grants (id, user_id, client_id, scopes, resource, created_at)
         VALUES ($1, NULL, $2, '{notes:read}', 'https://mcp.example/mcp', now() - $3::interval)`,
        [id, clientId, age],
      );
    }
    await ds.query(
      `INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
       VALUES (gen_random_uuid(), sha256('live'::bytea), $1, $2, NULL, '{notes:read}', 'https://mcp.example/mcp', now() + interval '1 hour')`,
      [live, clientId],
    );
    assert.equal((await housekeeping.run()).ran, true);
    const left = await ds.query<{ id: string }[]>(`SELECT id FROM oauth_grants WHERE id = ANY($1)`, [
      [spent, live, fresh],
    ]);
    assert.deepEqual(left.map((r) => r.id).sort(), [live, fresh].sort());
    assert.equal(await count('oauth_grants', `id = '${grantId}'`), 1, "the person's grant stays");
  });

  it('skips the round while another replica holds the advisory lock, and runs once it is released', async () => {
    await seedAccess(30, `-5 days`);
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      const held = await other.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
        HOUSEKEEPING_LOCK_KEY,
      ]);
      assert.equal(held.rows[0].locked, true);
      assert.deepEqual(await housekeeping.run({ batchSize: 10, pauseMs: 1 }), { ran: false });
      assert.equal(await count('oauth_access_tokens', `expires_at < now() - interval '1 day'`), 30);
      await other.query('SELECT pg_advisory_unlock($1::bigint)', [HOUSEKEEPING_LOCK_KEY]);
      const run = await housekeeping.run({ batchSize: 10, pauseMs: 1 });
      // 10 + 10 + 10 + 0 for access tokens, then one empty batch each for refresh tokens and codes
      assert.deepEqual(run, { ran: true, tokens: { deleted: 30, batches: 6 }, auditEvents: 0 });
      // The job released its lock: another session can take it.
      const again = await other.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
        HOUSEKEEPING_LOCK_KEY,
      ]);
      assert.equal(again.rows[0].locked, true);
    } finally {
      await other.end();
    }
  });
});
