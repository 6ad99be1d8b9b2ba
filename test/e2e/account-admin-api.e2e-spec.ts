// Checks admin JSON API /api/admin/clients: RFC 6750 bearer token with the `admin` scope,
// which OAuth grants only to administrators (narrowed away for anyone else, RFC 6749 §3.3) and only
// for the admin API's own resource (RFC 8707; /mcp refuses those tokens, the API refuses /mcp's);
// every non-admin gets 401/403; the API mirrors the page (list, disable, enable, delete).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession } from '../support/http-session';
import { postMcp } from '../support/mcp-client';
import {
  authorizeInBrowser,
  authorizeUrl,
  obtainTokens,
  pkcePair,
  registerClient,
  tokenRequest,
  type ObtainedTokens,
} from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';

const api = (t: TestApp, path: string, token?: string, method = 'GET') =>
  fetch(`${t.url}/api/admin/clients${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe('account: admin JSON API', () => {
  let t: TestApp;
  let ops: ObtainedTokens;
  let opsMcp: ObtainedTokens;
  let user: ObtainedTokens;
  let pretender: ObtainedTokens;
  let adminResource: string;

  before(async () => {
    t = await startTestApp({ env: { ADMIN_EMAILS: 'ops@example.com,pretender@example.com' } });
    adminResource = t.config.adminResource;
    const session = new HttpSession(t.url);
    await signInWithDevLogin(session, { email: 'ops@example.com' });
    // The dev login is self-asserted; a real provider would have verified this address.
    await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = 'ops@example.com'`);
    // RFC 8707: the admin API is its own resource, and the only one `admin` is issued for.
    ops = await obtainTokens(t.url, {
      email: 'ops@example.com',
      session,
      scope: 'admin',
      resource: adminResource,
    });
    opsMcp = await obtainTokens(t.url, {
      email: 'ops@example.com',
      session,
      scope: 'admin notes:read',
      resource: `${t.url}/mcp`,
    });
    user = await obtainTokens(t.url, { email: 'user@example.com', scope: 'admin notes:read' });
    pretender = await obtainTokens(t.url, { email: 'pretender@example.com', scope: 'admin notes:read' });
  });
  after(async () => {
    await t?.close();
  });

  it('issues `admin` only for the admin resource and only to an administrator (RFC 8707, RFC 6749 §3.3)', async () => {
    assert.equal(ops.tokens.scope, 'admin');
    assert.equal(opsMcp.tokens.scope, 'notes:read', '/mcp tokens never carry admin');
    assert.equal(user.tokens.scope, 'notes:read');
    assert.equal(pretender.tokens.scope, 'notes:read', 'a listed but unverified email is not an admin');
    const grants = await t.dataSource.query<{ scopes: string[]; resource: string }[]>(
      `SELECT g.scopes, g.resource FROM oauth_grants g JOIN users u ON u.id = g.user_id
        WHERE u.email = 'ops@example.com' ORDER BY g.created_at`,
    );
    assert.deepEqual(grants, [
      { scopes: ['admin'], resource: adminResource },
      { scopes: ['notes:read'], resource: `${t.url}/mcp` },
    ]);
    // A non-administrator asking for the admin resource gets nothing: invalid_scope.
    const refused = await authorizeInBrowser(t.url, {
      email: 'user@example.com',
      client: user.client,
      scope: 'admin',
      resource: adminResource,
    });
    assert.equal(refused.code, null);
    assert.equal(refused.callback.searchParams.get('error'), 'invalid_scope');
  });

  it('an admin token is refused by /mcp, and an /mcp token by the admin API (audience)', async () => {
    const mcp = await postMcp(t.url, ops.tokens.access_token, { method: 'tools/list' });
    assert.equal(mcp.status, 401);
    assert.match(mcp.headers.get('www-authenticate') ?? '', /invalid_token/);
    const api401 = await api(t, '', opsMcp.tokens.access_token);
    assert.equal(api401.status, 401);
    assert.equal(((await api401.json()) as { error: string }).error, 'invalid_token');
    assert.equal((await api(t, '', ops.tokens.access_token)).status, 200);
  });

  it('a refresh without `resource` stays on the resource of the grant (RFC 8707 §2.2)', async () => {
    const res = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: ops.tokens.refresh_token!,
      client_id: ops.client.client_id,
    });
    assert.equal(res.status, 200);
    const renewed = (await res.json()) as { access_token: string; scope: string };
    assert.equal(renewed.scope, 'admin');
    assert.equal((await api(t, '', renewed.access_token)).status, 200);
    assert.equal((await postMcp(t.url, renewed.access_token, { method: 'tools/list' })).status, 401);
    ops.tokens.access_token = renewed.access_token;
  });

  it('the consent page lists the admin scope only to an administrator', async () => {
    const client = await registerClient(t.url, { client_name: 'Consent scopes' });
    const show = async (email: string, verify: boolean) => {
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email });
      if (verify)
        await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = $1`, [email]);
      return (
        await session.follow(
          authorizeUrl(t.url, {
            client_id: client.client_id,
            code_challenge: pkcePair().challenge,
            scope: 'admin',
            resource: adminResource,
          }),
        )
      ).text;
    };
    const forUser = await show('consent-user@example.com', false);
    assert.doesNotMatch(forUser, /data-scope="admin"/);
    assert.match(forUser, /<code id="error-code">invalid_scope<\/code>/);
    const forAdmin = await show('ops@example.com', true);
    assert.match(forAdmin, /data-scope="admin">Manage this server&#x27;s registered clients/);
    assert.doesNotMatch(forAdmin, /data-scope="notes:read"/);
  });

  it('401 without or with a bad token or a token for /mcp', async () => {
    const none = await api(t, '');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal(none.headers.get('cache-control'), 'no-store');
    const bad = await api(t, '', 'mcp_at_not-a-real-token');
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_token');
    for (const who of [user, pretender]) {
      for (const [path, method] of [
        ['', 'GET'],
        [`/${ops.client.client_id}/disable`, 'POST'],
        [`/${ops.client.client_id}/enable`, 'POST'],
        [`/${ops.client.client_id}`, 'DELETE'],
      ]) {
        const res = await api(t, path, who.tokens.access_token, method);
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(((await res.json()) as { error: string }).error, 'invalid_token');
      }
    }
  });

  it('reads Authorization: Bearer as /mcp does (RFC 6750 §2.1: any scheme case, 1*SP, one b64token)', async () => {
    const call = (authorization: string) =>
      fetch(`${t.url}/api/admin/clients`, { headers: { authorization } });
    for (const header of [`bearer ${ops.tokens.access_token}`, `BEARER   ${ops.tokens.access_token}`]) {
      assert.equal((await call(header)).status, 200, header.split(' ')[0]);
    }
    // Another scheme is no credentials at all: the challenge carries no error code (RFC 6750 §3.1).
    const basic = await call('Basic b3BzOnNlY3JldA==');
    assert.equal(basic.status, 401);
    assert.equal(basic.headers.get('www-authenticate'), 'Bearer');
    const malformed = await call('Bearer a b');
    assert.equal(malformed.status, 401);
    assert.equal(
      malformed.headers.get('www-authenticate'),
      'Bearer error="invalid_token", error_description="A bearer token is required"',
    );
    assert.deepEqual(await malformed.json(), {
      error: 'invalid_token',
      error_description: 'A bearer token is required',
    });
  });

  it('lists, disables, enables and deletes like the page', async () => {
    const unused = await registerClient(t.url, { client_name: 'Never Used' });
    const list = await api(t, '', ops.tokens.access_token);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'no-store');
    const body = (await list.json()) as {
      clients: { client_id: string; registered_via: string; active_grants: number; deletable: boolean }[];
    };
    const row = body.clients.find((c) => c.client_id === user.client.client_id)!;
    assert.deepEqual(
      { via: row.registered_via, grants: row.active_grants, deletable: row.deletable },
      { via: 'dcr', grants: 1, deletable: false },
    );
    assert.equal(body.clients.find((c) => c.client_id === unused.client_id)!.deletable, true);

    const disable = await api(t, `/${user.client.client_id}/disable`, ops.tokens.access_token, 'POST');
    assert.equal(disable.status, 200);
    assert.equal((await postMcp(t.url, user.tokens.access_token, { method: 'tools/list' })).status, 401);
    const twice = await api(t, `/${user.client.client_id}/disable`, ops.tokens.access_token, 'POST');
    assert.equal(twice.status, 404);
    const enable = await api(t, `/${user.client.client_id}/enable`, ops.tokens.access_token, 'POST');
    assert.equal(enable.status, 200);

    const used = await api(t, `/${user.client.client_id}`, ops.tokens.access_token, 'DELETE');
    assert.equal(used.status, 409);
    const removed = await api(t, `/${unused.client_id}`, ops.tokens.access_token, 'DELETE');
    assert.equal(removed.status, 200);
    const left = await t.dataSource.query(`SELECT 1 FROM oauth_clients WHERE client_id = $1`, [
      unused.client_id,
    ]);
    assert.equal(left.length, 0);
  });

  it('turns remembered consent on only for a client an administrator registered (RFC 8252 §8.6)', async () => {
    const post = (clientId: string, body: unknown) =>
      fetch(`${t.url}/api/admin/clients/${clientId}/remember-consent`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ops.tokens.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const cli = await registerClient(t.url, { client_name: 'Company CLI' });
    const selfRegistered = await post(cli.client_id, { remember_consent: true });
    assert.equal(selfRegistered.status, 404);
    await t.dataSource.query(`UPDATE oauth_clients SET created_via = 'admin' WHERE client_id = $1`, [
      cli.client_id,
    ]);
    const bad = await post(cli.client_id, { remember_consent: 'yes' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_request');
    const on = await post(cli.client_id, { remember_consent: true });
    assert.equal(on.status, 200);
    assert.deepEqual(await on.json(), { client_id: cli.client_id, remember_consent: true });
    const list = (await (await api(t, '', ops.tokens.access_token)).json()) as {
      clients: { client_id: string; remember_consent: boolean; token_endpoint_auth_method: string }[];
    };
    const row = list.clients.find((c) => c.client_id === cli.client_id)!;
    assert.deepEqual(
      { remember: row.remember_consent, method: row.token_endpoint_auth_method },
      { remember: true, method: 'none' },
    );
    const noToken = await fetch(`${t.url}/api/admin/clients/${cli.client_id}/remember-consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ remember_consent: false }),
    });
    assert.equal(noToken.status, 401);
    assert.equal((await post(cli.client_id, { remember_consent: false })).status, 200);
  });

  it('an administrator removed from the list loses the API at once, token or not', async () => {
    await t.dataSource.query(`UPDATE users SET email_verified = false WHERE email = 'ops@example.com'`);
    const res = await api(t, '', ops.tokens.access_token);
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: string }).error, 'forbidden');
  });
});
