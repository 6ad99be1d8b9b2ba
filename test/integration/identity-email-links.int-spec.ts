// Checks the email sign-in links on real PostgreSQL (docs/sign-in-email.md): only the SHA-256 digest
// of a token is stored; looking a link up does not use it; it is used once, even by many concurrent
// attempts (one conditional UPDATE); the database clock expires it; stale links are swept; and an
// existing user keeps their name when signing in with a placeholder name (the email link's).
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@app/persistence';
import { EmailLinkRepository } from '../../libs/identity/src/email/email-link.repository';
import { randomSecret } from '../../libs/identity/src/secrets';
import { AccountService } from '../../libs/identity/src/users/account.service';
import { UserRepository } from '../../libs/identity/src/users/user.repository';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';

const digest = (v: string) => createHash('sha256').update(v).digest();

describe('email sign-in links (EmailLinkRepository on PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let links: EmailLinkRepository;

  const newLink = async (email = 'p@corp.example') => {
    const token = randomSecret();
    const binding = randomSecret();
    await links.create({ token, browserBinding: binding, email, returnTo: '/account', ttlSeconds: 600 });
    return { token, binding };
  };

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 12 });
    await ds.initialize();
    links = new EmailLinkRepository(ds);
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('stores digests only, and finds the link by its token without using it', async () => {
    const { token, binding } = await newLink('find@corp.example');
    const [row] = await ds.query<{ token_hash: Buffer; browser_hash: Buffer; email: string }[]>(
      `SELECT token_hash, browser_hash, email FROM email_sign_in_links WHERE email = 'find@corp.example'`,
    );
    assert.ok(row.token_hash.equals(digest(token)));
    assert.ok(row.browser_hash.equals(digest(binding)));
    const found = await links.find(token);
    assert.deepEqual(found, {
      browserHash: digest(binding),
      email: 'find@corp.example',
      returnTo: '/account',
    });
    assert.deepEqual(await links.find(token), found, 'finding it twice: still usable');
    assert.equal(await links.find(randomSecret()), null);
  });

  it('20 concurrent uses of one link: exactly one succeeds, and it stays used', async () => {
    const { token } = await newLink('race@corp.example');
    const results = await Promise.all(Array.from({ length: 20 }, () => links.consume(token)));
    assert.equal(results.filter((r) => r !== null).length, 1);
    assert.equal(await links.consume(token), null);
    assert.equal(await links.find(token), null);
    const [row] = await ds.query<{ consumed_at: Date | null }[]>(
      'SELECT consumed_at FROM email_sign_in_links WHERE token_hash = $1',
      [digest(token)],
    );
    assert.ok(row.consumed_at);
  });

  it('an expired link is neither found nor used; stale links are swept an hour after expiry', async () => {
    const { token } = await newLink('old@corp.example');
    await ds.query(
      `UPDATE email_sign_in_links SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [digest(token)],
    );
    assert.equal(await links.find(token), null);
    assert.equal(await links.consume(token), null);
    const { token: stale } = await newLink('stale@corp.example');
    await ds.query(
      `UPDATE email_sign_in_links SET expires_at = now() - interval '61 minutes' WHERE token_hash = $1`,
      [digest(stale)],
    );
    await links.deleteStale();
    const left = await ds.query<{ email: string }[]>(
      `SELECT email FROM email_sign_in_links WHERE email IN ('old@corp.example', 'stale@corp.example')`,
    );
    assert.deepEqual(left, [{ email: 'old@corp.example' }]);
  });

  it('a placeholder display name (email link) does not replace an existing user name', async () => {
    const accounts = new AccountService(new UserRepository(ds));
    const base = {
      provider: 'email',
      issuer: 'email',
      subject: 'named@corp.example',
      username: null,
      email: 'named@corp.example',
      emailVerified: true,
      avatarUrl: null,
    };
    const first = await ds.transaction((m) =>
      accounts.resolve(m, { ...base, displayName: 'named', displayNameIsPlaceholder: true }),
    );
    assert.equal(first.user.displayName, 'named', 'a new user starts with the placeholder');
    await ds.query(`UPDATE users SET display_name = 'Named Person' WHERE id = $1`, [first.user.id]);
    const again = await ds.transaction((m) =>
      accounts.resolve(m, { ...base, displayName: 'named', displayNameIsPlaceholder: true }),
    );
    assert.equal(again.user.displayName, 'Named Person');
  });
});
