// Checks the upstream token vault on real PostgreSQL (UP-12, UP-13): two replicas (two connection pools,
// two vaults) that find the same expired token refresh it once — the second waits on the row lock and
// reuses the result; the stored values are sealed and bound to their row; a revoked refresh deletes the
// row; and another person's id never yields this person's token.
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { loadAppConfig as loadConfig } from '../../apps/server/src/config-slices';
import { ToolError, type UpstreamRequirements } from '@app/mcp';
import { createDataSource } from '@app/persistence';
import { toTokenSet } from '../../libs/identity/src/upstream-tokens/upstream-refresh';
import { UpstreamTokenRepository } from '../../libs/identity/src/upstream-tokens/upstream-token.repository';
import { UpstreamTokenVault } from '../../libs/identity/src/upstream-tokens/upstream-token-vault';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startFakeGithub, type FakeGithub, type FakeGithubUser } from '../support/fake-providers/fake-github';

const dana: FakeGithubUser = {
  id: 301,
  login: 'dana',
  emails: [{ email: 'dana@corp.example', primary: true, verified: true }],
  repos: [{ name: 'maps' }],
};

describe('upstream token vault on PostgreSQL: single-flight refresh across replicas', () => {
  let db: TestDatabase;
  let fake: FakeGithub;
  const pools: DataSource[] = [];
  const vaults: UpstreamTokenVault[] = [];
  const key = randomBytes(32).toString('hex');

  before(async () => {
    db = await createTestDatabase();
    fake = await startFakeGithub();
    fake.expiringTokens = { expiresIn: 3600, refreshExpiresIn: 86400 };
    const config = loadConfig({
      NODE_ENV: 'test',
      SESSION_SECRET: 'integration-session-secret-0123456789abcdef',
      UPSTREAM_TOKEN_KEY: key,
      ...fake.env(),
    });
    const requirements = { providers: () => ['github'] } as unknown as UpstreamRequirements;
    for (let i = 0; i < 2; i++) {
      const ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
      await ds.initialize();
      pools.push(ds);
      vaults.push(new UpstreamTokenVault(config, requirements, new UpstreamTokenRepository(ds)));
    }
  });
  after(async () => {
    for (const ds of pools) await ds.destroy();
    await fake.stop();
    await db.drop();
  });
  beforeEach(() => {
    fake.refreshDelayMs = 0;
  });

  /** A user whose stored GitHub token has expired (by the database clock). */
  const expiredUser = async (): Promise<string> => {
    const userId = randomUUID();
    await pools[0].query(`INSERT INTO users (id, display_name) VALUES ($1, 'Dana')`, [userId]);
    const tokens = toTokenSet(fake.issueTokens(dana))!;
    await pools[0].transaction((m) => vaults[0].store(m, userId, 'github', tokens));
    await pools[0].query(
      `UPDATE upstream_tokens SET access_expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [userId],
    );
    return userId;
  };

  it('two replicas, two callers each, one expired token: one upstream refresh, everyone gets the new token', async () => {
    const userId = await expiredUser();
    fake.refreshDelayMs = 300;
    const refreshes = fake.refreshRequests.length;
    const seen = fake.apiAuthorizations.length;
    const calls = [0, 1, 0, 1].map((i) => vaults[i].apiFor(userId, 'github').fetch('/user/repos'));
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.equal(fake.refreshRequests.length, refreshes + 1, 'exactly one refresh_token grant upstream');
    const used = new Set(fake.apiAuthorizations.slice(seen));
    assert.equal(used.size, 1, 'all four calls used the one refreshed token');
    const [row] = await pools[0].query<{ fresh: boolean }[]>(
      'SELECT access_expires_at > now() AS fresh FROM upstream_tokens WHERE user_id = $1',
      [userId],
    );
    assert.equal(row.fresh, true);
  });

  it('seals both tokens bound to the row: a value moved to another row does not open', async () => {
    const userId = await expiredUser();
    const other = randomUUID();
    await pools[0].query(`INSERT INTO users (id, display_name) VALUES ($1, 'Eve')`, [other]);
    // Eve's row gets Dana's sealed values: under Eve's identity they open to nothing.
    await pools[0].query(
      `INSERT INTO upstream_tokens (user_id, provider, access_token, refresh_token, access_expires_at)
       SELECT $2, provider, access_token, refresh_token, now() + interval '1 hour' FROM upstream_tokens WHERE user_id = $1`,
      [userId, other],
    );
    const refreshes = fake.refreshRequests.length;
    await assert.rejects(vaults[1].apiFor(other, 'github').fetch('/user/repos'), (error: unknown) => {
      assert.ok(error instanceof ToolError);
      assert.match(error.message, /Sign in to GitHub again/);
      return true;
    });
    assert.equal(fake.refreshRequests.length, refreshes, "Dana's refresh token was never used for Eve");
    const [{ n }] = await pools[0].query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM upstream_tokens WHERE user_id = $1',
      [other],
    );
    assert.equal(n, 0, 'the unreadable row is forgotten');
    // Dana's own row still works.
    assert.equal((await vaults[0].apiFor(userId, 'github').fetch('/user/repos')).status, 200);
  });

  it('a refused refresh (revoked upstream) deletes the row for every replica', async () => {
    const userId = await expiredUser();
    fake.revoke(dana.id);
    const results = await Promise.allSettled(
      [0, 1].map((i) => vaults[i].apiFor(userId, 'github').fetch('/user/repos')),
    );
    for (const r of results) {
      assert.ok(r.status === 'rejected');
      assert.ok(r.reason instanceof ToolError);
      assert.match(r.reason.message, /Sign in to GitHub/);
    }
    const [{ n }] = await pools[0].query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM upstream_tokens WHERE user_id = $1',
      [userId],
    );
    assert.equal(n, 0);
  });

  it('key rollover: the previous key still opens a row, which is then sealed again under the new key', async () => {
    const userId = await expiredUser();
    // A fresh token, sealed under the key of the replicas above.
    assert.equal((await vaults[0].apiFor(userId, 'github').fetch('/user/repos')).status, 200);
    const vaultWith = (env: Record<string, string>) =>
      new UpstreamTokenVault(
        loadConfig({
          NODE_ENV: 'test',
          SESSION_SECRET: 'integration-session-secret-0123456789abcdef',
          ...env,
          ...fake.env(),
        }),
        { providers: () => ['github'] } as unknown as UpstreamRequirements,
        new UpstreamTokenRepository(pools[0]),
      );
    const next = randomBytes(32).toString('hex');
    const onlyNew = vaultWith({ UPSTREAM_TOKEN_KEY: next });
    const rolling = vaultWith({ UPSTREAM_TOKEN_KEY: next, UPSTREAM_TOKEN_KEY_PREVIOUS: key });
    const [before] = await pools[0].query<{ access_token: Buffer }[]>(
      'SELECT access_token FROM upstream_tokens WHERE user_id = $1',
      [userId],
    );
    assert.equal((await rolling.apiFor(userId, 'github').fetch('/user/repos')).status, 200);
    // The re-seal runs beside the call; wait for the row to change.
    for (let i = 0; i < 50; i++) {
      const [row] = await pools[0].query<{ access_token: Buffer }[]>(
        'SELECT access_token FROM upstream_tokens WHERE user_id = $1',
        [userId],
      );
      if (!row.access_token.equals(before.access_token)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const refreshes = fake.refreshRequests.length;
    assert.equal((await onlyNew.apiFor(userId, 'github').fetch('/user/repos')).status, 200);
    assert.equal(fake.refreshRequests.length, refreshes, 'the new key alone opens the re-sealed row');
  });

  it('paths only: an absolute URL is refused before any token is read', async () => {
    const userId = randomUUID();
    await assert.rejects(
      vaults[0].apiFor(userId, 'github').fetch('https://evil.example/steal'),
      /path starting with/,
    );
    await assert.rejects(
      vaults[0].apiFor(userId, 'github').fetch('//evil.example/steal'),
      /path starting with/,
    );
  });
});
