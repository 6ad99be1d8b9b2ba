// Checks issue #8 (admin JSON API /api/admin/clients): RFC 6750 bearer token with the `admin` scope,
// which OAuth grants only to administrators (narrowed away for anyone else, RFC 6749 §3.3); every
// non-admin gets 401/403; the API mirrors the page (list, disable, enable, delete).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession } from '../support/http-session';
import { postMcp } from '../support/mcp-client';
import {
  authorizeUrl,
  obtainTokens,
  pkcePair,
  registerClient,
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
  let user: ObtainedTokens;
  let pretender: ObtainedTokens;
  let resource: string;

  before(async () => {
    t = await startTestApp({ env: { ADMIN_EMAILS: 'ops@example.com,pretender@example.com' } });
    resource = `${t.url}/mcp`;
    const session = new HttpSession(t.url);
    await signInWithDevLogin(session, { email: 'ops@example.com' });
    // The dev login is self-asserted; a real provider would have verified this address.
    await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = 'ops@example.com'`);
    ops = await obtainTokens(t.url, {
      email: 'ops@example.com',
      session,
      scope: 'admin notes:read',
      resource,
    });
    user = await obtainTokens(t.url, { email: 'user@example.com', scope: 'admin notes:read', resource });
    pretender = await obtainTokens(t.url, {
      email: 'pretender@example.com',
      scope: 'admin notes:read',
      resource,
    });
  });
  after(async () => {
    await t?.close();
  });

  it('grants the admin scope to an administrator only; others get the rest (RFC 6749 §3.3)', async () => {
    assert.deepEqual(ops.tokens.scope.split(' ').sort(), ['admin', 'notes:read']);
    assert.equal(user.tokens.scope, 'notes:read');
    assert.equal(pretender.tokens.scope, 'notes:read', 'a listed but unverified email is not an admin');
    const grants = await t.dataSource.query<{ scopes: string[] }[]>(
      `SELECT g.scopes FROM oauth_grants g JOIN users u ON u.id = g.user_id WHERE u.email = 'user@example.com'`,
    );
    assert.deepEqual(grants, [{ scopes: ['notes:read'] }]);
  });

  it('the consent page lists the admin scope only to an administrator', async () => {
    const client = await registerClient(t.url, { client_name: 'Consent scopes' });
    const show = async (email: string, verify: boolean) => {
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email });
      if (verify)
        await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = $1`, [email]);
      const page = await session.follow(
        authorizeUrl(t.url, {
          client_id: client.client_id,
          code_challenge: pkcePair().challenge,
          scope: 'admin notes:read',
        }),
      );
      assert.equal(page.response.status, 200);
      return page.text;
    };
    const forUser = await show('consent-user@example.com', false);
    assert.match(forUser, /data-scope="notes:read"/);
    assert.doesNotMatch(forUser, /data-scope="admin"/);
    const forAdmin = await show('ops@example.com', true);
    assert.match(forAdmin, /data-scope="admin">Manage this server&#x27;s registered clients/);
    assert.match(forAdmin, /data-scope="notes:read"/);
  });

  it('401 without or with a bad token, 403 without the admin scope', async () => {
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
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(((await res.json()) as { error: string }).error, 'insufficient_scope');
      }
    }
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

  it('an administrator removed from the list loses the API at once, token or not', async () => {
    await t.dataSource.query(`UPDATE users SET email_verified = false WHERE email = 'ops@example.com'`);
    const res = await api(t, '', ops.tokens.access_token);
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: string }).error, 'forbidden');
  });
});
