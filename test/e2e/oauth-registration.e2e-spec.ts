// Checks: the dynamic client registration — RFC 7591 validation with exact error codes
// (AS-REG-01/10, AS-PK-03), real-client quirks, RFC 7592 management, nothing partial after a rejection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import {
  obtainTokens,
  readJson,
  registerClient,
  tokenRequest,
  type RegisteredClient,
} from '../support/oauth-flow';

describe('OAuth dynamic client registration (RFC 7591/7592)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_REGISTER_PER_HOUR: '1000' } });
  });
  after(async () => {
    await t.close();
  });

  const register = (body: unknown, contentType = 'application/json') =>
    fetch(`${t.url}/api/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const count = async (table: string) =>
    Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  it('201: a confidential client gets client_secret (once), registration token and URI, RFC 7591 defaults', async () => {
    const res = await register({ redirect_uris: ['https://app.example.com/cb'], client_name: 'Conf' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await readJson(res);
    assert.match(body.client_id, /^mcpc_/);
    assert.equal(typeof body.client_id_issued_at, 'number');
    assert.ok(Math.abs(body.client_id_issued_at - Date.now() / 1000) < 60);
    assert.match(body.client_secret, /^mcp_cs_[A-Za-z0-9_-]{43}$/);
    assert.equal(body.client_secret_expires_at, 0);
    assert.match(body.registration_access_token, /^mcp_rat_/);
    assert.equal(body.registration_client_uri, `${t.url}/api/oauth/register/${body.client_id}`);
    assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(body.grant_types, ['authorization_code']);
    assert.deepEqual(body.response_types, ['code']);
  });

  it('201: a public client gets no secret and (RFC 7591 default grant_types) refresh allowed (AS-RT-05)', async () => {
    const res = await register({
      redirect_uris: [
        'http://127.0.0.1:33418/callback',
        'vscode://vscode.github-authentication/did-authenticate',
      ],
      token_endpoint_auth_method: 'none',
    });
    assert.equal(res.status, 201);
    const body = await readJson(res);
    assert.equal(body.client_secret, undefined);
    assert.equal(body.client_secret_expires_at, undefined);
    assert.deepEqual(body.grant_types, ['authorization_code', 'refresh_token']);
  });

  it('accepts real-client quirks: no application_type, narrower/unknown scope, unknown fields not echoed', async () => {
    const res = await register({
      redirect_uris: [
        'cursor://anysphere.cursor-retrieval/oauth/callback',
        'com.example.app:/oauth2redirect',
      ],
      token_endpoint_auth_method: 'none',
      scope: 'notes:read no-such-scope',
      software_statement_like_field: 'x',
      jwks: { keys: [] },
    });
    assert.equal(res.status, 201);
    const body = await readJson(res);
    assert.equal(body.scope, 'notes:read');
    assert.equal(body.software_statement_like_field, undefined);
    assert.equal(body.jwks, undefined);
    // Omitted application_type: the type the redirect URIs fit is stored and returned (RFC 7591 §3.2.1).
    assert.equal(body.application_type, 'native');
  });

  const rejected: [string, unknown, string, string?][] = [
    ['no redirect_uris', { client_name: 'x' }, 'invalid_redirect_uri'],
    ['empty redirect_uris', { redirect_uris: [] }, 'invalid_redirect_uri'],
    ['http on a non-loopback host', { redirect_uris: ['http://app.example.com/cb'] }, 'invalid_redirect_uri'],
    ['a fragment', { redirect_uris: ['https://app.example.com/cb#x'] }, 'invalid_redirect_uri'],
    ['javascript:', { redirect_uris: ['javascript:alert(1)//'] }, 'invalid_redirect_uri'],
    ['data:', { redirect_uris: ['data:text/html,hi'] }, 'invalid_redirect_uri'],
    [
      'one bad among good ones',
      { redirect_uris: ['https://ok.example/cb', 'http://bad.example/cb'] },
      'invalid_redirect_uri',
    ],
    [
      'private_key_jwt without its keys (jwks or jwks_uri)',
      { redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt' },
      'invalid_client_metadata',
    ],
    [
      'client_credentials (not offered, and never to self-registered clients)',
      { redirect_uris: ['https://a.example/cb'], grant_types: ['client_credentials'] },
      'invalid_client_metadata',
    ],
    [
      'response_types token',
      { redirect_uris: ['https://a.example/cb'], response_types: ['token'] },
      'invalid_client_metadata',
    ],
    [
      'refresh_token without authorization_code',
      { redirect_uris: ['https://a.example/cb'], grant_types: ['refresh_token'] },
      'invalid_client_metadata',
    ],
    [
      'a javascript: logo_uri',
      { redirect_uris: ['https://a.example/cb'], logo_uri: 'javascript:x' },
      'invalid_client_metadata',
    ],
    ['a JSON array body', [{ redirect_uris: ['https://a.example/cb'] }], 'invalid_client_metadata'],
    [
      'a form body',
      'redirect_uris=https://a.example/cb',
      'invalid_client_metadata',
      'application/x-www-form-urlencoded',
    ],
  ];
  for (const [name, body, error, contentType] of rejected) {
    it(`400 ${error}: ${name}, and no row is left behind`, async () => {
      const [clients, events] = [await count('oauth_clients'), await count('audit_events')];
      const res = await register(body, contentType);
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const json = await readJson(res);
      assert.equal(json.error, error);
      assert.equal(typeof json.error_description, 'string');
      assert.equal(await count('oauth_clients'), clients);
      assert.equal(await count('audit_events'), events);
    });
  }

  it("400 with an OAuth body (not Nest's) for malformed JSON", async () => {
    const res = await register('{"redirect_uris": [', 'application/json');
    assert.equal(res.status, 400);
    const json = await readJson(res);
    assert.equal(json.error, 'invalid_client_metadata', JSON.stringify(json));
    assert.equal(res.headers.get('cache-control'), 'no-store');
    // Browser-based clients can read the refusal (the route's CORS middleware never ran).
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    // The same on RFC 7592 management (/register/<client_id>): invalid_request there.
    const managed = await fetch(`${t.url}/api/oauth/register/mcpc_anything`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"redirect_uris": [',
    });
    assert.equal(managed.status, 400);
    assert.equal(managed.headers.get('access-control-allow-origin'), '*');
    assert.equal((await readJson(managed)).error, 'invalid_request');
  });

  it('records client.registered in the audit log without secrets', async () => {
    const client = await registerClient(t.url, { token_endpoint_auth_method: 'client_secret_post' });
    const rows = await t.dataSource.query(
      `SELECT type, detail::text AS detail FROM audit_events WHERE client_id = $1`,
      [client.client_id],
    );
    assert.deepEqual(
      rows.map((r: { type: string }) => r.type),
      ['client.registered'],
    );
    assert.ok(!rows[0].detail.includes(client.client_secret!));
  });

  describe('RFC 7592 client configuration endpoint', () => {
    let client: RegisteredClient;
    before(async () => {
      client = await registerClient(t.url, {
        token_endpoint_auth_method: 'client_secret_basic',
        client_name: 'Managed',
      });
    });
    const call = (method: string, token: string | undefined, body?: unknown) =>
      fetch(client.registration_client_uri, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });

    it('401 invalid_token without, or with a wrong, registration access token', async () => {
      for (const token of [undefined, 'mcp_rat_wrong', client.client_secret]) {
        const res = await call('GET', token);
        assert.equal(res.status, 401);
        assert.equal((await readJson(res)).error, 'invalid_token');
        // RFC 6750 §3.1: no error code in the challenge when no credentials were presented.
        assert.equal(
          res.headers.get('www-authenticate'),
          token === undefined ? 'Bearer' : 'Bearer error="invalid_token"',
        );
      }
    });

    it('GET returns the metadata (no client_secret) and rotates the registration access token', async () => {
      const res = await call('GET', client.registration_access_token);
      assert.equal(res.status, 200);
      const body = await readJson(res);
      assert.equal(body.client_id, client.client_id);
      assert.equal(body.client_name, 'Managed');
      assert.equal(body.client_secret, undefined);
      assert.match(body.registration_access_token, /^mcp_rat_/);
      assert.notEqual(body.registration_access_token, client.registration_access_token);
      assert.equal(
        (await call('GET', client.registration_access_token)).status,
        401,
        'the old token is dead',
      );
      client.registration_access_token = body.registration_access_token;
    });

    it('PUT replaces the metadata; a wrong client_id is invalid_client_metadata', async () => {
      const bad = await call('PUT', client.registration_access_token, {
        client_id: 'other',
        redirect_uris: ['https://x.example/cb'],
      });
      assert.equal(bad.status, 400);
      assert.equal((await readJson(bad)).error, 'invalid_client_metadata');
      const res = await call('PUT', client.registration_access_token, {
        client_id: client.client_id,
        redirect_uris: ['https://new.example/cb'],
        client_name: 'Renamed',
        token_endpoint_auth_method: 'client_secret_basic',
      });
      assert.equal(res.status, 200);
      const body = await readJson(res);
      assert.deepEqual(body.redirect_uris, ['https://new.example/cb']);
      assert.equal(body.client_name, 'Renamed');
      client.registration_access_token = body.registration_access_token;
    });

    it('DELETE removes the client and everything issued to it', async () => {
      const pub = await registerClient(t.url);
      const { tokens } = await obtainTokens(t.url, { email: 'del@example.com', client: pub });
      const res = await fetch(pub.registration_client_uri, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${pub.registration_access_token}` },
      });
      assert.equal(res.status, 204);
      assert.equal(await count(`oauth_grants WHERE client_id = '${pub.client_id}'`), 0);
      const again = await fetch(pub.registration_client_uri, {
        headers: { authorization: `Bearer ${pub.registration_access_token}` },
      });
      assert.equal(again.status, 401);
      const refresh = await tokenRequest(t.url, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: pub.client_id,
      });
      assert.equal(refresh.status, 401);
      assert.equal((await readJson(refresh)).error, 'invalid_client');
    });
  });
});
