// Checks: the single use and rotation on real PostgreSQL (docs/architecture.md C4, AS-PK-09, AS-RT-03/07):
// 20 parallel redemptions of one code, 20 parallel refreshes with the reuse grace window at 0, at its
// default (30 s), and a retry after the window.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ACCESS_TOKEN_VERIFIER, type AccessTokenVerifier } from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import {
  authorizeInBrowser,
  obtainTokens,
  readJson,
  registerClient,
  tokenRequest,
  type Json,
} from '../support/oauth-flow';

const N = 20;
const limits = { RATE_LIMIT_TOKEN_PER_MINUTE: '100000', RATE_LIMIT_REGISTER_PER_HOUR: '1000' };

async function parallelRefresh(
  t: TestApp,
  clientId: string,
  refreshToken: string,
): Promise<{ status: number; body: Json }[]> {
  return Promise.all(
    Array.from({ length: N }, async () => {
      const res = await tokenRequest(t.url, {
        grant_type: 'refresh_token',
        client_id: clientId,
        refresh_token: refreshToken,
      });
      return { status: res.status, body: await readJson(res) };
    }),
  );
}

const auditCount = async (t: TestApp, type: string, grantId: string) =>
  (
    await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE type = $1 AND grant_id = $2`,
      [type, grantId],
    )
  )[0].n as number;

const grantOf = async (t: TestApp, accessToken: string) =>
  (
    await t.dataSource.query(
      `SELECT g.id, g.revoked_at, g.revoked_reason FROM oauth_access_tokens a JOIN oauth_grants g ON g.id = a.grant_id
        WHERE a.token_hash = sha256($1::bytea)`,
      [Buffer.from(accessToken)],
    )
  )[0] as { id: string; revoked_at: Date | null; revoked_reason: string | null };

describe('OAuth single use under concurrency, default grace window', () => {
  let t: TestApp;
  let verifier: AccessTokenVerifier;
  before(async () => {
    t = await startTestApp({ env: limits });
    verifier = t.app.get<AccessTokenVerifier>(ACCESS_TOKEN_VERIFIER);
  });
  after(async () => {
    await t.close();
  });

  it(`${N} parallel redemptions of one code → exactly one 200, ${N - 1} invalid_grant, grant revoked`, async () => {
    const client = await registerClient(t.url);
    const auth = await authorizeInBrowser(t.url, { email: 'race@example.com', client });
    const params = {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      code: auth.code!,
      code_verifier: auth.verifier,
      redirect_uri: client.redirect_uris[0],
    };
    const results = await Promise.all(
      Array.from({ length: N }, async () => {
        const res = await tokenRequest(t.url, params);
        return { status: res.status, body: await readJson(res) };
      }),
    );
    const winners = results.filter((r) => r.status === 200);
    assert.equal(winners.length, 1);
    const losers = results.filter((r) => r.status !== 200);
    assert.equal(losers.length, N - 1);
    for (const l of losers) assert.deepEqual([l.status, l.body.error], [400, 'invalid_grant']);
    const grant = await grantOf(t, winners[0].body.access_token);
    assert.ok(grant.revoked_at, 'the grant is revoked');
    assert.equal(grant.revoked_reason, 'code_replay');
    assert.deepEqual(await verifier.verify(winners[0].body.access_token, t.config.mcpResource), {
      ok: false,
      reason: 'revoked',
    });
    assert.equal(await auditCount(t, 'token.issued', grant.id), 1);
    assert.equal(await auditCount(t, 'code.replay_detected', grant.id), N - 1);
  });

  it(`${N} parallel refreshes (default 30 s grace) → ${N} identical responses, grant still valid`, async () => {
    assert.equal(t.config.tokens.refreshReuseGrace, 30);
    const { tokens, client } = await obtainTokens(t.url, { email: 'grace@example.com' });
    const results = await parallelRefresh(t, client.client_id, tokens.refresh_token!);
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const first = JSON.stringify(results[0].body);
    for (const r of results)
      assert.equal(JSON.stringify(r.body), first, 'every retry gets the same response');
    assert.notEqual(results[0].body.refresh_token, tokens.refresh_token);
    const grant = await grantOf(t, results[0].body.access_token);
    assert.equal(grant.revoked_at, null);
    assert.equal(await auditCount(t, 'refresh.rotated', grant.id), 1, 'exactly one rotation');
    assert.equal((await verifier.verify(results[0].body.access_token, t.config.mcpResource)).ok, true);
    // The new refresh token works, and once it is used the old one is no longer "just rotated".
    const next = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      client_id: client.client_id,
      refresh_token: results[0].body.refresh_token,
    });
    assert.equal(next.status, 200);
    const stale = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      client_id: client.client_id,
      refresh_token: tokens.refresh_token!,
    });
    assert.equal((await readJson(stale)).error, 'invalid_grant');
    assert.ok(
      (await grantOf(t, results[0].body.access_token)).revoked_at,
      'reuse of a token two rotations back revokes the grant',
    );
  });
});

describe('OAuth refresh rotation with REFRESH_TOKEN_REUSE_GRACE=0 (strict)', () => {
  let t: TestApp;
  let verifier: AccessTokenVerifier;
  before(async () => {
    t = await startTestApp({ env: { ...limits, REFRESH_TOKEN_REUSE_GRACE: '0' } });
    verifier = t.app.get<AccessTokenVerifier>(ACCESS_TOKEN_VERIFIER);
  });
  after(async () => {
    await t.close();
  });

  it(`${N} parallel refreshes → one rotation, ${N - 1} reuse detections, the whole grant revoked`, async () => {
    const { tokens, client } = await obtainTokens(t.url, { email: 'strict@example.com' });
    const results = await parallelRefresh(t, client.client_id, tokens.refresh_token!);
    const winners = results.filter((r) => r.status === 200);
    assert.equal(winners.length, 1);
    for (const r of results.filter((x) => x.status !== 200))
      assert.deepEqual([r.status, r.body.error], [400, 'invalid_grant']);
    const winner = winners[0].body;
    const grant = await grantOf(t, winner.access_token);
    assert.ok(grant.revoked_at);
    assert.equal(grant.revoked_reason, 'refresh_reuse');
    assert.equal(await auditCount(t, 'refresh.rotated', grant.id), 1);
    assert.equal(await auditCount(t, 'refresh.reuse_detected', grant.id), N - 1);
    assert.equal(await auditCount(t, 'grant.revoked', grant.id), 1);
    // The winner's new tokens no longer work.
    assert.deepEqual(await verifier.verify(winner.access_token, t.config.mcpResource), {
      ok: false,
      reason: 'revoked',
    });
    assert.deepEqual(await verifier.verify(tokens.access_token, t.config.mcpResource), {
      ok: false,
      reason: 'revoked',
    });
    const again = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      client_id: client.client_id,
      refresh_token: winner.refresh_token,
    });
    assert.equal((await readJson(again)).error, 'invalid_grant');
  });
});

describe('OAuth refresh reuse after the grace window (REFRESH_TOKEN_REUSE_GRACE=2)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { ...limits, REFRESH_TOKEN_REUSE_GRACE: '2' } });
  });
  after(async () => {
    await t.close();
  });

  it('a retry inside the window gets the same response; the same token after the window revokes the grant', async () => {
    const { tokens, client } = await obtainTokens(t.url, { email: 'window@example.com' });
    const params = {
      grant_type: 'refresh_token',
      client_id: client.client_id,
      refresh_token: tokens.refresh_token!,
    };
    const first = await readJson(await tokenRequest(t.url, params));
    const retry = await readJson(await tokenRequest(t.url, params));
    assert.deepEqual(retry, first);
    await new Promise((r) => setTimeout(r, 2600));
    const late = await tokenRequest(t.url, params);
    assert.equal(late.status, 400);
    assert.equal((await readJson(late)).error, 'invalid_grant');
    const grant = await grantOf(t, first.access_token);
    assert.ok(grant.revoked_at);
    assert.equal(grant.revoked_reason, 'refresh_reuse');
    const after = await tokenRequest(t.url, { ...params, refresh_token: first.refresh_token });
    assert.equal((await readJson(after)).error, 'invalid_grant');
  });

  it('the sealed grace response cannot be opened from the database alone', async () => {
    const rows = await t.dataSource.query(
      `SELECT grace_response FROM oauth_refresh_tokens WHERE grace_response IS NOT NULL`,
    );
    assert.ok(rows.length > 0);
    for (const r of rows) assert.ok(!(r.grace_response as Buffer).toString('latin1').includes('mcp_'));
  });
});
