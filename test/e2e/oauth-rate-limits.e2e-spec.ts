// Checks: the rate limits per client IP on register, authorize and token (AS-REG-11), stored in
// PostgreSQL so that every replica shares them (LB-06): 429 + Retry-After (+ OAuth body on JSON endpoints).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { authorizeUrl, pkcePair, readJson, registerClient, tokenRequest } from '../support/oauth-flow';

describe('OAuth rate limits', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    db = await createTestDatabase();
    const env = {
      RATE_LIMIT_REGISTER_PER_HOUR: '3',
      RATE_LIMIT_AUTHORIZE_PER_MINUTE: '2',
      RATE_LIMIT_TOKEN_PER_MINUTE: '2',
    };
    a = await startTestApp({ database: db, env });
    b = await startTestApp({ database: db, env: { ...env, PUBLIC_URL: a.url } });
  });
  after(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('register: the limit is shared by both replicas; then 429 + Retry-After + too_many_requests, no row written', async () => {
    await registerClient(a.url);
    await registerClient(b.url);
    const client = await registerClient(a.url);
    const before = (await a.dataSource.query(`SELECT count(*)::int AS n FROM oauth_clients`))[0].n;
    for (const app of [a, b]) {
      const res = await fetch(`${app.url}/api/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://a.example/cb'] }),
      });
      assert.equal(res.status, 429);
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal((await readJson(res)).error, 'too_many_requests');
    }
    assert.equal((await a.dataSource.query(`SELECT count(*)::int AS n FROM oauth_clients`))[0].n, before);
    // RFC 7592 management is not the registration endpoint: it has a counter of its own.
    const read = await fetch(client.registration_client_uri, {
      headers: { authorization: `Bearer ${client.registration_access_token}` },
    });
    assert.equal(read.status, 200);
  });

  it('authorize: 429 + Retry-After as a page, never a redirect', async () => {
    const url = authorizeUrl(a.url, { client_id: 'mcpc_whatever', code_challenge: pkcePair().challenge });
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 400);
    assert.equal((await fetch(url.replace(a.url, b.url), { redirect: 'manual' })).status, 400);
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('location'), null);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.match(await res.text(), /too_many_requests/);
  });

  it('token: 429 + Retry-After + too_many_requests (revoke and introspect count too)', async () => {
    const params = { grant_type: 'authorization_code', code: 'x', client_id: 'nobody' };
    assert.equal((await tokenRequest(a.url, params)).status, 401);
    assert.equal((await tokenRequest(b.url, params)).status, 401);
    const res = await tokenRequest(a.url, params);
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal((await readJson(res)).error, 'too_many_requests');
  });
});
