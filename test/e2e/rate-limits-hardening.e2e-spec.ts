// Checks the rate limits of the shared PostgreSQL limiter beyond register/authorize/token: IPv6 clients are
// counted by their /64, GET /auth/:provider, /oauth/authorize/continue and the RFC 7592 endpoints have limits,
// and unknown bearer tokens on /mcp and the admin API are limited per client IP, one count for both
// (429 + Retry-After, RFC 6585 §4) while a valid token keeps working. Client IPs come from X-Forwarded-For under TRUST_PROXY=1.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { postMcp } from '../support/mcp-client';
import { obtainTokens, readJson, registerClient } from '../support/oauth-flow';

describe('Rate limits: IPv6 /64, sign-in routes, RFC 7592, unknown bearer tokens', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      env: {
        TRUST_PROXY: '1',
        RATE_LIMIT_REGISTER_PER_HOUR: '2',
        RATE_LIMIT_AUTHORIZE_PER_MINUTE: '2',
        RATE_LIMIT_TOKEN_PER_MINUTE: '3',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const register = (ip: string) =>
    fetch(`${t.url}/api/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...from(ip) },
      body: JSON.stringify({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none' }),
    });

  it('IPv6: every address of one /64 shares a counter; another /64 has its own', async () => {
    assert.equal((await register('2001:db8:aa:1::1')).status, 201);
    assert.equal((await register('2001:db8:aa:1:ffff:1:2:3')).status, 201);
    const refused = await register('2001:db8:aa:1::9999');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await readJson(refused)).error, 'too_many_requests');
    assert.equal((await register('2001:db8:aa:2::1')).status, 201, 'the next /64 is another client');
  });

  it('GET /auth/:provider (writes a sign-in row per call): 429 page with Retry-After', async () => {
    const start = () =>
      fetch(`${t.url}/auth/github?return_to=%2Faccount`, {
        redirect: 'manual',
        headers: from('198.51.100.21'),
      });
    const statuses = [(await start()).status, (await start()).status];
    assert.ok(
      statuses.every((s) => s !== 429 && s < 500),
      `first two: ${statuses.join(', ')}`,
    );
    const res = await start();
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(res.headers.get('location'), null);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /Too many/);
  });

  it('GET /oauth/authorize/continue: 429 page, never a redirect', async () => {
    const next = () =>
      fetch(`${t.url}/oauth/authorize/continue?request_id=nope`, {
        redirect: 'manual',
        headers: from('198.51.100.22'),
      });
    for (let i = 0; i < 2; i++) assert.notEqual((await next()).status, 429);
    const res = await next();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('location'), null);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.match(await res.text(), /too_many_requests/);
  });

  it('RFC 7592 GET/PUT/DELETE share one limit per client IP: 429 too_many_requests', async () => {
    const client = await registerClient(t.url);
    // RFC 7592 §3: the server may hand out a new registration access token with each answer.
    let token = client.registration_access_token;
    const call = async (method: string) => {
      const res = await fetch(client.registration_client_uri, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...from('198.51.100.23'),
        },
        body: method === 'PUT' ? JSON.stringify({ redirect_uris: client.redirect_uris }) : undefined,
      });
      if (res.status === 200) {
        token =
          ((await res.clone().json()) as { registration_access_token?: string }).registration_access_token ??
          token;
      }
      return res;
    };
    assert.equal((await call('GET')).status, 200);
    assert.equal((await call('GET')).status, 200);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await call(method);
      assert.equal(res.status, 429, method);
      assert.equal((await readJson(res)).error, 'too_many_requests');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const [row] = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM oauth_clients WHERE client_id = $1`,
      [client.client_id],
    );
    assert.equal(row.n, 1, 'the refused DELETE deleted nothing');
  });

  it('/mcp: unknown bearer tokens are limited per client IP; a valid token still works; valid tokens never count', async () => {
    const { tokens } = await obtainTokens(t.url, { email: 'flood@example.com', scope: 'profile:read' });
    const flooder = '203.0.113.50';
    const call = (token: string, ip: string) =>
      fetch(`${t.url}/mcp`, { headers: { authorization: `Bearer ${token}`, ...from(ip) } });
    // Many valid calls from one IP cost nothing against the unknown-token limit (3 per minute here).
    for (let i = 0; i < 5; i++) assert.equal((await call(tokens.access_token, flooder)).status, 405);
    const unknown = (i: number) => `mcp_at_${String(i).padStart(43, 'x')}`;
    for (let i = 0; i < 3; i++) {
      const res = await call(unknown(i), flooder);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
    const limited = await call(unknown(3), flooder);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(limited.headers.get('cache-control'), 'no-store');
    assert.equal(((await limited.json()) as { jsonrpc: string }).jsonrpc, '2.0');
    // Once over, further unknown tokens are refused without a lookup; a valid token from that IP works.
    assert.equal((await call(unknown(4), flooder)).status, 429);
    const valid = await postMcp(
      t.url,
      tokens.access_token,
      { method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      from(flooder),
    );
    assert.equal(valid.status, 200);
    // Another client is not affected.
    assert.equal((await call(unknown(5), '203.0.113.51')).status, 401);
  });

  it('the admin API shares the unknown-token limit with /mcp: 429 in its RFC 6750 body, then /mcp too', async () => {
    const flooder = '203.0.113.60';
    const unknown = (i: number) => `mcp_at_${String(i).padStart(43, 'y')}`;
    const admin = (token: string) =>
      fetch(`${t.url}/api/admin/clients`, {
        headers: { authorization: `Bearer ${token}`, ...from(flooder) },
      });
    for (let i = 0; i < 3; i++) {
      const res = await admin(unknown(i));
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_token');
    }
    const limited = await admin(unknown(3));
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(limited.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await limited.json(), {
      error: 'too_many_requests',
      error_description: 'Too many requests with unknown bearer tokens; try again later',
    });
    const mcp = await fetch(`${t.url}/mcp`, {
      headers: { authorization: `Bearer ${unknown(4)}`, ...from(flooder) },
    });
    assert.equal(mcp.status, 429);
  });
});
