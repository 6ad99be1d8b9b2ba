// Checks the account rules on real PostgreSQL: identity = (provider, issuer, subject), never a
// username; the cross-provider linking rule (verified email on both sides, one candidate, never two
// identities of the same provider); disabled users; concurrent first sign-ins of one identity.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@app/persistence';
import { AccountService } from '../../libs/identity/src/users/account.service';
import { UserRepository } from '../../libs/identity/src/users/user.repository';
import type { UpstreamProfile } from '../../libs/identity/src/users/upstream-profile';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';

const profile = (
  p: Partial<UpstreamProfile> & Pick<UpstreamProfile, 'provider' | 'subject'>,
): UpstreamProfile => ({
  issuer: `https://${p.provider}.example`,
  username: null,
  displayName: 'Someone',
  email: null,
  emailVerified: false,
  avatarUrl: null,
  ...p,
});

describe('identity accounts (AccountService on PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let accounts: AccountService;
  const resolve = (p: UpstreamProfile) => ds.transaction((m) => accounts.resolve(m, p));

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    await ds.initialize();
    accounts = new AccountService(new UserRepository(ds));
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('a known identity always resolves to its user; a new one creates a user', async () => {
    const first = await resolve(profile({ provider: 'github', subject: '1', username: 'ann' }));
    assert.equal(first.createdUser, true);
    const again = await resolve(profile({ provider: 'github', subject: '1', username: 'ann-renamed' }));
    assert.equal(again.user.id, first.user.id);
    assert.equal(again.createdUser, false);
    assert.equal(again.identityId, first.identityId);
  });

  it('the same subject at another issuer (GitHub Enterprise vs github.com) is another person', async () => {
    const dotcom = await resolve(
      profile({ provider: 'github', subject: '77', issuer: 'https://github.com' }),
    );
    const ghes = await resolve(
      profile({ provider: 'github', subject: '77', issuer: 'https://ghe.corp.example' }),
    );
    assert.notEqual(dotcom.user.id, ghes.user.id);
  });

  it('links a new provider only when the email is verified on both sides', async () => {
    const g = await resolve(
      profile({ provider: 'google', subject: 'g1', email: 'pat@corp.example', emailVerified: true }),
    );
    const o = await resolve(
      profile({ provider: 'oidc', subject: 'o1', email: 'pat@corp.example', emailVerified: true }),
    );
    assert.equal(o.user.id, g.user.id);
    assert.equal(o.linked, true);

    const unverifiedNew = await resolve(
      profile({ provider: 'github', subject: 'gh-pat', email: 'pat@corp.example', emailVerified: false }),
    );
    assert.notEqual(unverifiedNew.user.id, g.user.id, 'unverified on the new side');

    const dev = await resolve(
      profile({ provider: 'dev', subject: 'sam@corp.example', email: 'sam@corp.example' }),
    );
    const verifiedLater = await resolve(
      profile({ provider: 'google', subject: 'g-sam', email: 'sam@corp.example', emailVerified: true }),
    );
    assert.notEqual(verifiedLater.user.id, dev.user.id, 'unverified on the existing side');
  });

  it('never links two accounts of the same provider, and an ambiguous address links to nobody', async () => {
    const a = await resolve(
      profile({ provider: 'oidc', subject: 'emp-a', email: 'jo@corp.example', emailVerified: true }),
    );
    const reassigned = await resolve(
      profile({ provider: 'oidc', subject: 'emp-b', email: 'jo@corp.example', emailVerified: true }),
    );
    assert.notEqual(reassigned.user.id, a.user.id);
    // Two users now hold the verified address: a third provider links to neither.
    const third = await resolve(
      profile({ provider: 'google', subject: 'g-jo', email: 'jo@corp.example', emailVerified: true }),
    );
    assert.notEqual(third.user.id, a.user.id);
    assert.notEqual(third.user.id, reassigned.user.id);
    assert.equal(third.linked, false);
  });

  it('refuses a disabled user, whether known or reached by linking', async () => {
    const u = await resolve(
      profile({ provider: 'google', subject: 'g-off', email: 'off@corp.example', emailVerified: true }),
    );
    await ds.query('UPDATE users SET disabled = true WHERE id = $1', [u.user.id]);
    await assert.rejects(resolve(profile({ provider: 'google', subject: 'g-off' })), {
      reason: 'user_disabled',
    });
    await assert.rejects(
      resolve(
        profile({ provider: 'oidc', subject: 'o-off', email: 'off@corp.example', emailVerified: true }),
      ),
      { reason: 'user_disabled' },
    );
    const identities = await ds.query(`SELECT 1 FROM user_identities WHERE subject = 'o-off'`);
    assert.deepEqual(identities, [], 'the refused transaction left nothing behind');
  });

  it('two concurrent first sign-ins of one identity: one wins, the other fails on the unique index', async () => {
    const p = profile({ provider: 'github', subject: '999' });
    const results = await Promise.allSettled([resolve(p), resolve(p)]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.ok(ok.length >= 1);
    const rows = await ds.query(
      `SELECT count(*)::int AS n FROM user_identities WHERE provider = 'github' AND subject = '999'`,
    );
    assert.equal(rows[0].n, 1);
    // SignInService retries the loser once; the retry finds the winner's row.
    const retry = await resolve(p);
    assert.equal(retry.createdUser, false);
  });
});
