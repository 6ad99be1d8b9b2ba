// Checks: the repositories on real PostgreSQL (docs/architecture.md C4/C6): owner-scoped consent lookups (another
// user's consent is simply not found), the one-statement code redemption with every binding in its
// WHERE clause (AS-PK-09) and the one-statement refresh rotation (AS-RT-03) — single use under
// concurrency, nothing written by a loser —, idempotent grant revocation, shared rate-limit windows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, inTransaction } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ConsentRepository, redirectUrisDigest } from '../../libs/oauth/src/repositories/consent.repository';
import { TestTokenStore } from '../support/token-store';
import { RateLimitRepository } from '../../libs/oauth/src/repositories/rate-limit.repository';
import { digest, newSecret } from '../../libs/oauth/src/common/secrets';
import { s256 } from '../../libs/oauth/src/common/pkce';

describe('OAuth repositories on PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let consents: ConsentRepository;
  let tokens: TestTokenStore;
  let limits: RateLimitRepository;
  const alice = randomUUID();
  const bob = randomUUID();
  const clientId = 'mcpc_repo';
  const otherClient = 'mcpc_other';
  const resource = 'https://mcp.example.com/mcp';

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    await ds.initialize();
    for (const [id, name] of [
      [alice, 'Alice'],
      [bob, 'Bob'],
    ])
      await ds.query(`INSERT INTO users (id, display_name) VALUES ($1, $2)`, [id, name]);
    for (const id of [clientId, otherClient])
      await ds.query(
        `INSERT INTO oauth_clients (client_id, token_endpoint_auth_method, redirect_uris, grant_types, response_types)
         VALUES ($1, 'none', '{https://a.example/cb}', '{authorization_code,refresh_token}', '{code}')`,
        [id],
      );
    consents = new ConsentRepository(ds);
    tokens = new TestTokenStore(ds);
    limits = new RateLimitRepository(ds);
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it("consents are owner-scoped: Bob does not see Alice's; granting again unions the scopes", async () => {
    const uris = redirectUrisDigest(['https://a.example/cb']);
    const give = (scopes: string[], digestOf = uris) =>
      consents.grant({
        userId: alice,
        clientId,
        resource,
        scopes,
        redirectUrisDigest: digestOf,
        maxAgeSeconds: 3600,
      });
    await give(['notes:read']);
    assert.deepEqual(await consents.findScopes(alice, clientId, resource), ['notes:read']);
    assert.equal(await consents.findScopes(bob, clientId, resource), null);
    assert.equal(await consents.findScopes(alice, otherClient, resource), null);
    assert.equal(await consents.findScopes(alice, clientId, 'https://other.example/mcp'), null);
    await give(['profile:read', 'notes:read']);
    assert.deepEqual(await consents.findScopes(alice, clientId, resource), ['notes:read', 'profile:read']);
    const found = await consents.find(alice, clientId, resource, 3600);
    assert.equal(found?.fresh, true);
    assert.deepEqual(found?.redirectUrisDigest, uris);
    // Another redirect URI set: the new consent replaces the old one instead of adding to it.
    const other = redirectUrisDigest(['https://b.example/cb']);
    await give(['profile:read'], other);
    assert.deepEqual(await consents.findScopes(alice, clientId, resource), ['profile:read']);
    // Older than the grant lifetime: not fresh, and a new approval replaces it too.
    await ds.query(`UPDATE oauth_consents SET updated_at = now() - interval '2 hours' WHERE user_id = $1`, [
      alice,
    ]);
    assert.equal((await consents.find(alice, clientId, resource, 3600))?.fresh, false);
    await give(['notes:read'], other);
    assert.deepEqual(await consents.findScopes(alice, clientId, resource), ['notes:read']);
  });

  it('the redirect URI digest ignores order and duplicates, and matches the migration SQL', async () => {
    const set = ['https://b.example/cb', 'http://127.0.0.1:7/x', 'https://b.example/cb'];
    assert.deepEqual(
      redirectUrisDigest(set),
      redirectUrisDigest(['http://127.0.0.1:7/x', 'https://b.example/cb']),
    );
    assert.notDeepEqual(redirectUrisDigest(set), redirectUrisDigest(['https://b.example/cb']));
    const [row] = await ds.query<{ d: Buffer }[]>(
      `SELECT sha256(convert_to(array_to_string(
         ARRAY(SELECT DISTINCT u COLLATE "C" FROM unnest($1::text[]) AS u ORDER BY 1), E'\\n'), 'UTF8')) AS d`,
      [set],
    );
    assert.deepEqual(row.d, redirectUrisDigest(set));
  });

  async function newCode() {
    const code = newSecret('authorizationCode');
    const verifier = newSecret('refreshToken').slice(7);
    const grantId = await inTransaction(ds, async (m) => {
      const id = await tokens.createGrant(m, { userId: alice, clientId, scopes: ['notes:read'], resource });
      await tokens.insertCode(m, {
        codeHash: digest(code),
        grantId: id,
        clientId,
        userId: alice,
        redirectUri: 'https://a.example/cb',
        redirectUriProvided: true,
        codeChallenge: s256(verifier),
        scopes: ['notes:read'],
        resource,
        ttlSeconds: 60,
      });
      return id;
    });
    const redemption = {
      codeHash: digest(code),
      clientId,
      codeChallenge: s256(verifier),
      redirectUri: 'https://a.example/cb',
      resource,
    };
    return { grantId, redemption };
  }

  /** Fresh access (and refresh) token rows for one redemption or rotation, as TokenIssuer.mint makes them. */
  const prepared = (ttlSeconds = 60) => ({
    id: randomUUID(),
    tokenHash: digest(newSecret('accessToken')),
    ttlSeconds,
  });
  const countRows = async (sql: string, params: unknown[]) =>
    (await ds.query<{ n: number }[]>(sql, params))[0].n;

  it('redeemCodeAndIssue: any broken binding matches nothing and writes nothing; then exactly one of 10 wins', async () => {
    const { grantId, redemption } = await newCode();
    const broken = [
      { ...redemption, clientId: otherClient },
      { ...redemption, codeChallenge: s256('x'.repeat(43)) },
      { ...redemption, redirectUri: 'https://a.example/other' },
      { ...redemption, redirectUri: undefined },
      { ...redemption, resource: 'https://other.example/mcp' },
    ];
    for (const r of broken) {
      assert.equal(await tokens.redeemCodeAndIssue(r, prepared(), prepared(), '192.0.2.1'), null);
    }
    assert.equal((await tokens.findCodeState(redemption.codeHash))?.consumed, false);
    const attempts = Array.from({ length: 10 }, () => ({ access: prepared(), refresh: prepared() }));
    const results = await Promise.all(
      attempts.map((a) => tokens.redeemCodeAndIssue(redemption, a.access, a.refresh, '192.0.2.1')),
    );
    assert.equal(results.filter((r) => r !== null).length, 1);
    assert.equal(results.find((r) => r)?.grantId, grantId);
    assert.equal((await tokens.findCodeState(redemption.codeHash))?.consumed, true);
    // Only the winner's tokens and one token.issued event exist: nothing of the losers or broken ones.
    const grantRows = (table: string) =>
      countRows(`SELECT count(*)::int AS n FROM ${table} WHERE grant_id = $1`, [grantId]);
    assert.equal(await grantRows('oauth_access_tokens'), 1);
    assert.equal(await grantRows('oauth_refresh_tokens'), 1);
    const events = await ds.query(
      `SELECT type, user_id, client_id, ip, detail FROM audit_events WHERE grant_id = $1`,
      [grantId],
    );
    assert.deepEqual(events, [
      {
        type: 'token.issued',
        user_id: alice,
        client_id: clientId,
        ip: '192.0.2.1',
        detail: { grantType: 'authorization_code', scopes: ['notes:read'], refreshToken: true },
      },
    ]);
  });

  it('an expired code or one of a revoked grant is not redeemable', async () => {
    const a = await newCode();
    await ds.query(
      `UPDATE oauth_authorization_codes SET expires_at = now() - interval '1 s' WHERE code_hash = $1`,
      [a.redemption.codeHash],
    );
    assert.equal(await tokens.redeemCodeAndIssue(a.redemption, prepared(), null, '192.0.2.1'), null);
    assert.equal((await tokens.findCodeState(a.redemption.codeHash))?.expired, true);
    const b = await newCode();
    await inTransaction(ds, (m) => tokens.revokeGrant(m, b.grantId, 'test'));
    assert.equal(await tokens.redeemCodeAndIssue(b.redemption, prepared(), null, '192.0.2.1'), null);
  });

  it('rotateRefreshToken: one winner among concurrent uses; revokeGrant is idempotent and kills the access tokens', async () => {
    const { grantId, redemption } = await newCode();
    const access = newSecret('accessToken');
    const refresh = newSecret('refreshToken');
    const issued = await tokens.redeemCodeAndIssue(
      redemption,
      { id: randomUUID(), tokenHash: digest(access), ttlSeconds: 60 },
      { id: randomUUID(), tokenHash: digest(refresh), ttlSeconds: 60 },
      '192.0.2.1',
    );
    assert.ok(issued);
    const rotation = (presentedBy: string) => ({
      tokenHash: digest(refresh),
      clientId: presentedBy,
      resource,
      scopes: null,
      access: prepared(),
      successor: prepared(),
      sealedResponse: null,
      ip: '192.0.2.2',
    });
    assert.equal(await tokens.rotateRefreshToken(rotation(otherClient)), null, 'bound to its client');
    assert.equal(
      await tokens.rotateRefreshToken({ ...rotation(clientId), resource: 'https://other.example/mcp' }),
      null,
      'bound to its resource',
    );
    const wins = await Promise.all(
      Array.from({ length: 10 }, () => tokens.rotateRefreshToken(rotation(clientId))),
    );
    assert.equal(wins.filter((w) => w !== null).length, 1);
    assert.deepEqual(wins.find((w) => w)?.grantScopes, ['notes:read']);
    // The code's tokens plus exactly one rotation's, and one refresh.rotated event.
    assert.equal(
      await countRows(`SELECT count(*)::int AS n FROM oauth_access_tokens WHERE grant_id = $1`, [grantId]),
      2,
    );
    assert.equal(
      await countRows(`SELECT count(*)::int AS n FROM oauth_refresh_tokens WHERE grant_id = $1`, [grantId]),
      2,
    );
    assert.equal(
      await countRows(
        `SELECT count(*)::int AS n FROM audit_events WHERE grant_id = $1 AND type = 'refresh.rotated'`,
        [grantId],
      ),
      1,
    );
    assert.equal((await tokens.findAccessToken(digest(access)))?.revoked, false);
    assert.equal(await inTransaction(ds, (m) => tokens.revokeGrant(m, grantId, 'test')), true);
    assert.equal(await inTransaction(ds, (m) => tokens.revokeGrant(m, grantId, 'test')), false);
    assert.equal((await tokens.findAccessToken(digest(access)))?.revoked, true);
  });

  it('GRANT_MAX_LIFETIME: no refresh token outlives the approval; past it the rotation matches nothing and says why', async () => {
    const { grantId, redemption } = await newCode();
    const refresh = newSecret('refreshToken');
    // The approval was 89 days ago: a 30-day refresh token is cut to the day left.
    await ds.query(`UPDATE oauth_grants SET approved_at = now() - interval '89 days' WHERE id = $1`, [
      grantId,
    ]);
    const issued = await tokens.redeemCodeAndIssue(
      redemption,
      prepared(),
      { id: randomUUID(), tokenHash: digest(refresh), ttlSeconds: 30 * 86400 },
      '192.0.2.1',
    );
    assert.ok(issued);
    const expiresInDays = async (hash: Buffer) =>
      (
        await ds.query<{ d: number }[]>(
          `SELECT extract(epoch FROM expires_at - now())::float8 / 86400 AS d FROM oauth_refresh_tokens WHERE token_hash = $1`,
          [hash],
        )
      )[0].d;
    const first = await expiresInDays(digest(refresh));
    assert.ok(first > 0.99 && first <= 1, `capped at the grant's end, got ${first} days`);
    const successor = { ...prepared(30 * 86400) };
    const rotation = (presented: Buffer, next = successor) => ({
      tokenHash: presented,
      clientId,
      resource,
      scopes: null,
      access: prepared(),
      successor: next,
      sealedResponse: null,
      ip: '192.0.2.2',
    });
    assert.ok(await tokens.rotateRefreshToken(rotation(digest(refresh))));
    const second = await expiresInDays(successor.tokenHash);
    assert.ok(second > 0.99 && second <= 1, `the successor is capped too, got ${second} days`);

    // A day later (the approval 90 days and a minute old): nothing matches, nothing is written.
    await ds.query(
      `UPDATE oauth_grants SET approved_at = now() - interval '90 days 1 minute' WHERE id = $1`,
      [grantId],
    );
    const before = await countRows(
      `SELECT count(*)::int AS n FROM oauth_refresh_tokens WHERE grant_id = $1`,
      [grantId],
    );
    assert.equal(await tokens.rotateRefreshToken(rotation(successor.tokenHash, prepared())), null);
    assert.equal(
      await countRows(`SELECT count(*)::int AS n FROM oauth_refresh_tokens WHERE grant_id = $1`, [grantId]),
      before,
    );
    assert.equal(await tokens.liveRefreshGrantScopes(successor.tokenHash, clientId, resource), null);
    const state = await tokens.findRefreshTokenState(successor.tokenHash);
    assert.deepEqual(
      { consumed: state?.consumed, revoked: state?.grantRevoked, grantExpired: state?.grantExpired },
      { consumed: false, revoked: false, grantExpired: true },
    );
  });

  it('rate-limit windows count atomically (single hits and leases) and say when they reset', async () => {
    const hits = await Promise.all(Array.from({ length: 15 }, () => limits.take('token:203.0.113.9', 60)));
    assert.deepEqual(
      hits.map((h) => h.hits).sort((x, y) => x - y),
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    for (const h of hits) assert.ok(h.resetsInMs > 0 && h.resetsInMs <= 60_000, String(h.resetsInMs));
    assert.equal((await limits.take('token:203.0.113.9', 60, 30)).hits, 45, 'a lease of 30 counts 30');
    assert.equal((await limits.take('token:198.51.100.1', 60)).hits, 1, 'another IP has its own window');
    const [table] = await ds.query(`SELECT relpersistence FROM pg_class WHERE relname = 'oauth_rate_limits'`);
    assert.equal(table.relpersistence, 'u', 'UNLOGGED: counters skip the WAL');
  });
});
