// Checks: the full authorization-code flow over HTTP — register, authorize, dev sign-in, consent
// form, code (with state and iss, AS-PK-07/08), token, refresh twice (rotation, AS-RT-03), revoke
// (RFC 7009); then a pg_dump of the database holds none of the secrets the test received (docs/architecture.md C5).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ACCESS_TOKEN_VERIFIER, type AccessTokenVerifier } from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import { authorizeInBrowser, readJson, registerClient, tokenRequest, type Json } from '../support/oauth-flow';

describe('OAuth full flow', () => {
  let t: TestApp;
  let verifier: AccessTokenVerifier;
  /** Every secret value the server handed out during the flow. */
  const received: { name: string; value: string }[] = [];
  before(async () => {
    t = await startTestApp();
    verifier = t.app.get<AccessTokenVerifier>(ACCESS_TOKEN_VERIFIER);
  });
  after(async () => {
    await t.close();
  });

  const ok = async (token: string) => (await verifier.verify(token, t.config.mcpResource)).ok;

  it('register → authorize → sign-in → consent → code → token → refresh ×2 → revoke', async () => {
    const client = await registerClient(t.url, {
      scope: 'notes:read',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    received.push(
      { name: 'client_secret', value: client.client_secret! },
      { name: 'registration_access_token', value: client.registration_access_token },
    );
    const basic = { clientId: client.client_id, clientSecret: client.client_secret! };
    const auth = await authorizeInBrowser(t.url, {
      email: 'flow@example.com',
      client,
      state: 'st-123',
      scope: 'notes:write profile:read',
      resource: t.config.mcpResource,
    });
    assert.equal(auth.consentShown, true);
    assert.equal(auth.callback.origin + auth.callback.pathname, client.redirect_uris[0]);
    assert.equal(auth.callback.searchParams.get('state'), 'st-123');
    assert.equal(auth.callback.searchParams.get('iss'), t.config.issuer);
    assert.match(auth.code!, /^mcp_ac_[A-Za-z0-9_-]{43}$/);
    received.push({ name: 'code', value: auth.code! }, { name: 'code_verifier', value: auth.verifier });

    const res = await tokenRequest(
      t.url,
      {
        grant_type: 'authorization_code',
        code: auth.code!,
        code_verifier: auth.verifier,
        redirect_uri: client.redirect_uris[0],
        resource: t.config.mcpResource,
      },
      basic,
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const tokens = await readJson(res);
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, t.config.tokens.accessTokenTtl);
    assert.equal(tokens.scope, 'profile:read notes:write');
    assert.match(tokens.access_token, /^mcp_at_[A-Za-z0-9_-]{43}$/);
    assert.match(tokens.refresh_token, /^mcp_rt_[A-Za-z0-9_-]{43}$/);
    assert.equal(await ok(tokens.access_token), true);
    received.push(
      { name: 'access_token', value: tokens.access_token },
      { name: 'refresh_token', value: tokens.refresh_token },
    );

    let current: Json = tokens;
    for (let i = 0; i < 2; i++) {
      const r = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: current.refresh_token, resource: t.config.mcpResource },
        basic,
      );
      assert.equal(r.status, 200);
      const next = await readJson(r);
      assert.notEqual(next.refresh_token, current.refresh_token);
      assert.notEqual(next.access_token, current.access_token);
      assert.equal(next.scope, 'profile:read notes:write');
      assert.equal(await ok(next.access_token), true);
      received.push(
        { name: `access_token#${i + 2}`, value: next.access_token },
        { name: `refresh_token#${i + 2}`, value: next.refresh_token },
      );
      current = next;
    }

    const revoke = await fetch(`${t.url}/api/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: current.refresh_token, token_type_hint: 'refresh_token' }),
    });
    assert.equal(revoke.status, 200);
    assert.equal(await ok(current.access_token), false);
    const dead = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: current.refresh_token },
      basic,
    );
    assert.equal((await readJson(dead)).error, 'invalid_grant');

    const events = await t.dataSource.query(
      `SELECT type FROM audit_events WHERE client_id = $1 ORDER BY id`,
      [client.client_id],
    );
    assert.deepEqual(
      events.map((e: { type: string }) => e.type),
      [
        'client.registered',
        'consent.granted',
        'code.issued',
        'token.issued',
        'refresh.rotated',
        'refresh.rotated',
        'token.revoked',
      ],
    );
  });

  it('a pg_dump of the database contains none of the secrets handed out (digests only)', async () => {
    assert.ok(received.length >= 10);
    const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', t.database.url], {
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.match(stdout, /oauth_access_tokens/, 'the dump has the token tables');
    for (const { name, value } of received) {
      assert.ok(!stdout.includes(value), `${name} appears in the database dump`);
      // ...nor any long fragment of it (e.g. without its prefix).
      assert.ok(!stdout.includes(value.slice(-40)), `a fragment of ${name} appears in the database dump`);
    }
  });
});
