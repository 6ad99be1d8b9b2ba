// Checks: the multi-replica token revocation (LB-06/LB-09, RS-TOK-02/03): two app instances share
// one database; a revocation on instance A makes instance B's cached verifier reject within 1 s
// (PostgreSQL LISTEN/NOTIFY), also after B's listener connection was killed and re-established.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ACCESS_TOKEN_VERIFIER, type AccessTokenVerifier } from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import { adminQuery, createTestDatabase, type TestDatabase } from '../support/database';
import { obtainTokens, readJson, tokenRequest } from '../support/oauth-flow';

async function rejectedWithin(
  verifier: AccessTokenVerifier,
  token: string,
  audience: string,
  ms: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    const check = await verifier.verify(token, audience);
    if (!check.ok) {
      assert.equal(check.reason, 'revoked');
      return Date.now() - started;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`instance B still accepted the token ${ms} ms after the revocation`);
}

describe('OAuth revocation across replicas', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let verifierB: AccessTokenVerifier;
  before(async () => {
    db = await createTestDatabase();
    a = await startTestApp({ database: db });
    // Replicas behind one load balancer share one PUBLIC_URL (issuer and resource).
    b = await startTestApp({ database: db, env: { PUBLIC_URL: a.url } });
    verifierB = b.app.get<AccessTokenVerifier>(ACCESS_TOKEN_VERIFIER);
  });
  after(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  const revokeOnA = async (clientId: string, token: string) => {
    const res = await fetch(`${a.url}/api/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, token }),
    });
    assert.equal(res.status, 200);
  };

  /** Tokens from A, checked on B (which caches them; the cache lives 10 s, far longer than 1 s). */
  async function cachedOnB(email: string) {
    const got = await obtainTokens(a.url, { email });
    for (let i = 0; i < 3; i++)
      assert.equal((await verifierB.verify(got.tokens.access_token, b.config.mcpResource)).ok, true);
    return got;
  }

  it('B really caches: a change written without NOTIFY is not seen at once (so the next tests prove NOTIFY)', async () => {
    const { tokens } = await cachedOnB('replica0@example.com');
    await a.dataSource.query(
      `UPDATE oauth_access_tokens SET revoked_at = now() WHERE token_hash = sha256($1::bytea)`,
      [Buffer.from(tokens.access_token)],
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await verifierB.verify(tokens.access_token, b.config.mcpResource)).ok, true);
    // ...while a replica that never cached it reads the database and sees the change.
    assert.deepEqual(
      await a.app
        .get<AccessTokenVerifier>(ACCESS_TOKEN_VERIFIER)
        .verify(tokens.access_token, a.config.mcpResource),
      { ok: false, reason: 'revoked' },
    );
  });

  it('revoking an access token on A → B rejects it within 1 s', async (t) => {
    const { tokens, client } = await cachedOnB('replica1@example.com');
    await revokeOnA(client.client_id, tokens.access_token);
    const ms = await rejectedWithin(verifierB, tokens.access_token, b.config.mcpResource, 1000);
    t.diagnostic(`instance B rejected the revoked token ${ms} ms after A answered the revocation`);
  });

  it('revoking a refresh token (the grant) on A → B rejects its access token within 1 s', async () => {
    const { tokens, client } = await cachedOnB('replica2@example.com');
    await revokeOnA(client.client_id, tokens.refresh_token!);
    await rejectedWithin(verifierB, tokens.access_token, b.config.mcpResource, 1000);
  });

  it('reuse detection on A (grant revoked) → B rejects the tokens within 1 s', async () => {
    const { tokens, client } = await cachedOnB('replica3@example.com');
    const params = {
      grant_type: 'refresh_token',
      client_id: client.client_id,
      refresh_token: tokens.refresh_token!,
    };
    assert.equal((await tokenRequest(a.url, params)).status, 200);
    // Make the next use fall outside the grace window, so it counts as reuse.
    await a.dataSource.query(
      `UPDATE oauth_refresh_tokens SET consumed_at = now() - interval '1 hour' WHERE consumed_at IS NOT NULL`,
    );
    assert.equal((await readJson(await tokenRequest(a.url, params))).error, 'invalid_grant');
    await rejectedWithin(verifierB, tokens.access_token, b.config.mcpResource, 1000);
  });

  it("B's listener reconnects after its connection is killed, and revocations reach it again", async () => {
    const killed = await adminQuery(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'mcp-auth-server:revocations'`,
      [db.name],
    );
    assert.ok(killed.rows.length >= 2, 'both instances had a listener connection');
    // Wait until both listeners are back.
    const started = Date.now();
    for (;;) {
      const { rows } = await adminQuery(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'mcp-auth-server:revocations'`,
        [db.name],
      );
      if ((rows[0].n as number) >= 2) break;
      assert.ok(Date.now() - started < 10_000, 'listeners did not reconnect within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const { tokens, client } = await cachedOnB('replica4@example.com');
    await revokeOnA(client.client_id, tokens.access_token);
    await rejectedWithin(verifierB, tokens.access_token, b.config.mcpResource, 1000);
  });
});
