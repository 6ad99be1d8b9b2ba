// Checks the repositories on real PostgreSQL (docs/architecture.md C6): a user's active grants are owner-scoped
// (another user's grant is not found, cannot be locked for revocation), revoked/expired grants and
// disabled clients are not listed, last_used_at is written at most once a minute, the scope grant
// policy narrows what is stored, and only never-used / stale self-registered clients are deleted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, inTransaction } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TestTokenStore } from '../support/token-store';
import { GrantsDirectoryRepository } from '../../libs/oauth/src/grants-directory/grants-directory.repository';
import { digest, newSecret } from '../../libs/oauth/src/common/secrets';

describe('grants directory on PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let tokens: TestTokenStore;
  let repo: GrantsDirectoryRepository;
  const alice = randomUUID();
  const bob = randomUUID();
  const resource = 'https://mcp.example.com/mcp';

  const addClient = (id: string, name: string, via = 'dcr') =>
    ds.query(
      `INSERT INTO oauth_clients (client_id, client_name, created_via, token_endpoint_auth_method, redirect_uris, grant_types, response_types)
       VALUES ($1, $2, $3, 'none', '{https://a.example/cb}', '{authorization_code,refresh_token}', '{code}')`,
      [id, name, via],
    );
  const grantWithToken = (userId: string, clientId: string, ttlSeconds = 3600) =>
    inTransaction(ds, async (m) => {
      const grantId = await tokens.createGrant(m, { userId, clientId, scopes: ['notes:read'], resource });
      await tokens.insertAccessToken(m, {
        tokenHash: digest(newSecret('accessToken')),
        grantId,
        clientId,
        userId,
        ttlSeconds,
        scopes: ['notes:read'],
        audience: resource,
      });
      return grantId;
    });

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    await ds.initialize();
    for (const [id, name] of [
      [alice, 'Alice'],
      [bob, 'Bob'],
    ])
      await ds.query(`INSERT INTO users (id, display_name) VALUES ($1, $2)`, [id, name]);
    await addClient('c_one', 'One');
    await addClient('c_two', 'Two', 'admin');
    tokens = new TestTokenStore(ds);
    repo = new GrantsDirectoryRepository(ds);
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it("lists only the owner's live grants; another user's grant cannot be locked", async () => {
    const aliceGrant = await grantWithToken(alice, 'c_one');
    const bobGrant = await grantWithToken(bob, 'c_two');
    await grantWithToken(alice, 'c_two', -10); // only an expired token: not active
    const listed = await repo.activeGrantsOf(alice);
    assert.deepEqual(
      listed.map((g) => [g.id, g.clientName, g.createdVia]),
      [[aliceGrant, 'One', 'dcr']],
    );
    assert.deepEqual(
      (await repo.activeGrantsOf(bob)).map((g) => g.id),
      [bobGrant],
    );
    const locked = await inTransaction(ds, (m) => repo.lockUserGrant(m, bob, aliceGrant));
    assert.equal(locked, null);
    await inTransaction(ds, (m) => tokens.revokeGrant(m, aliceGrant, 'test'));
    assert.deepEqual(await repo.activeGrantsOf(alice), []);
    assert.equal(await inTransaction(ds, (m) => repo.lockUserGrant(m, alice, aliceGrant)), null);
  });

  it('touchGrant writes at most once a minute', async () => {
    const grantId = await grantWithToken(alice, 'c_one');
    await repo.touchGrant(grantId);
    const [{ last_used_at: first }] = await ds.query<{ last_used_at: Date }[]>(
      `SELECT last_used_at FROM oauth_grants WHERE id = $1`,
      [grantId],
    );
    assert.ok(first);
    await repo.touchGrant(grantId);
    const [{ last_used_at: second }] = await ds.query<{ last_used_at: Date }[]>(
      `SELECT last_used_at FROM oauth_grants WHERE id = $1`,
      [grantId],
    );
    assert.deepEqual(second, first);
    await ds.query(`UPDATE oauth_grants SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [
      grantId,
    ]);
    await repo.touchGrant(grantId);
    const [{ fresh }] = await ds.query<{ fresh: boolean }[]>(
      `SELECT last_used_at > now() - interval '5 seconds' AS fresh FROM oauth_grants WHERE id = $1`,
      [grantId],
    );
    assert.equal(fresh, true);
  });

  it('disabling a client revokes its grants and hides them; deleting needs a never-used self-registered client', async () => {
    await addClient('c_dis', 'Dis');
    const grantId = await grantWithToken(bob, 'c_dis');
    assert.equal(await inTransaction(ds, (m) => repo.disableClient(m, 'c_dis')), 1);
    assert.equal(await inTransaction(ds, (m) => repo.disableClient(m, 'c_dis')), null, 'already disabled');
    const [{ revoked_reason }] = await ds.query<{ revoked_reason: string }[]>(
      `SELECT revoked_reason FROM oauth_grants WHERE id = $1`,
      [grantId],
    );
    assert.equal(revoked_reason, 'client_disabled');
    assert.ok(!(await repo.activeGrantsOf(bob)).some((g) => g.clientId === 'c_dis'));
    assert.equal(
      await inTransaction(ds, (m) => repo.deleteUnusedSelfRegistered(m, 'c_dis')),
      false,
      'has a grant',
    );
    assert.equal(
      await inTransaction(ds, (m) => repo.deleteUnusedSelfRegistered(m, 'c_two')),
      false,
      'admin-made',
    );
    await addClient('c_new', 'New');
    assert.equal(await inTransaction(ds, (m) => repo.deleteUnusedSelfRegistered(m, 'c_new')), true);
  });

  it('stale cleanup: old unused self-registered clients go; a live grant or recent use keeps them', async () => {
    await addClient('c_stale', 'Stale');
    await addClient('c_live', 'Live');
    await addClient('c_recent', 'Recent');
    await grantWithToken(alice, 'c_live');
    const recentGrant = await inTransaction(ds, (m) =>
      tokens.createGrant(m, { userId: alice, clientId: 'c_recent', scopes: [], resource }),
    );
    await ds.query(
      `UPDATE oauth_clients SET created_at = now() - interval '100 days' WHERE client_id LIKE 'c_%'`,
    );
    await ds.query(`UPDATE oauth_grants SET last_used_at = now() - interval '10 days' WHERE id = $1`, [
      recentGrant,
    ]);
    const removed = await repo.deleteStaleSelfRegistered(90);
    assert.ok(removed.includes('c_stale'));
    assert.ok(!removed.includes('c_live'));
    assert.ok(!removed.includes('c_recent'));
    assert.ok(!removed.includes('c_two'), 'admin-made clients are never removed');
  });
});
