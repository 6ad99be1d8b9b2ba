// Checks admin view of clients: only a signed-in user whose VERIFIED email is in ADMIN_EMAILS
// may list/disable/delete clients (everyone else 403); disabling stops the client's tokens at once
// (RS-TOK-03/05) and refuses new authorizations with a clear page; only never-used self-registered
// clients can be deleted; DCR_CLIENT_TTL_DAYS cleanup removes unused self-registered clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms } from '../support/http-session';
import { postMcp } from '../support/mcp-client';
import {
  authorizeUrl,
  obtainTokens,
  pkcePair,
  registerClient,
  tokenRequest,
  type ObtainedTokens,
  type RegisteredClient,
} from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';
import { OAuthHousekeeping } from '../../libs/oauth/src/housekeeping';

const toolsList = { method: 'tools/list', params: {} };

describe('account: admin clients page', () => {
  let t: TestApp;
  let admin: HttpSession;
  let pretender: HttpSession;
  let user: ObtainedTokens;
  let unused: RegisteredClient;

  const csrfOf = async (s: HttpSession) =>
    parseForms((await s.follow('/account')).text).find((f) => f.action === '/logout')!.fields.csrf;

  before(async () => {
    t = await startTestApp({ env: { ADMIN_EMAILS: 'Root@Example.com, pretender@example.com' } });
    admin = new HttpSession(t.url);
    await signInWithDevLogin(admin, { email: 'root@example.com', name: 'Root' });
    // The dev login is self-asserted (never verified); a real provider would vouch for this address.
    await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = 'root@example.com'`);
    pretender = new HttpSession(t.url);
    await signInWithDevLogin(pretender, { email: 'pretender@example.com' });
    const used = await registerClient(t.url, { client_name: 'Used App' });
    user = await obtainTokens(t.url, {
      email: 'user@example.com',
      client: used,
      resource: `${t.url}/mcp`,
    });
    unused = await registerClient(t.url, { client_name: 'Unused App' });
  });
  after(async () => {
    await t?.close();
  });

  it('signed out: redirected to sign in; non-admins (also an unverified listed email) get 403 everywhere', async () => {
    const anon = await new HttpSession(t.url).request('/admin/clients');
    assert.equal(anon.status, 303);
    assert.equal(anon.headers.get('location'), '/login?return_to=%2Fadmin%2Fclients');
    for (const s of [user.session, pretender]) {
      const list = await s.request('/admin/clients');
      assert.equal(list.status, 403);
      assert.equal(list.headers.get('cache-control'), 'no-store');
      assert.doesNotMatch(await list.text(), /Used App/);
      const csrf = await csrfOf(s);
      for (const action of ['disable', 'enable', 'delete']) {
        const res = await s.request(`/admin/clients/${unused.client_id}/${action}`, {
          method: 'POST',
          form: { csrf },
        });
        assert.equal(res.status, 403, `${action} as a non-admin`);
      }
    }
    const rows = await t.dataSource.query(`SELECT disabled_at FROM oauth_clients WHERE client_id = $1`, [
      unused.client_id,
    ]);
    assert.deepEqual(rows, [{ disabled_at: null }]);
    const account = await (await user.session.request('/account')).text();
    assert.doesNotMatch(account, /href="\/admin\/clients"/);
  });

  it('lists clients with how they registered, last use, active grants; delete only for never-used ones', async () => {
    const res = await admin.request('/admin/clients');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const html = await res.text();
    const card = (id: string) => {
      const start = html.indexOf(`data-client-id="${id}"`);
      return html.slice(start, html.indexOf('</li>', start));
    };
    const used = card(user.client.client_id);
    assert.match(used, /class="client-name">Used App</);
    assert.match(used, /self-registered/);
    assert.match(used, /class="active-grants">1</);
    assert.match(used, /\/disable"/);
    assert.doesNotMatch(used, /\/delete"/);
    const fresh = card(unused.client_id);
    assert.match(fresh, /class="active-grants">0</);
    assert.match(fresh, /class="last-used">never</);
    assert.match(fresh, /\/delete"/);
    const account = await (await admin.request('/account')).text();
    assert.match(account, /href="\/admin\/clients"/);
  });

  it('"Remember consent" shows only for administrator-registered clients and switches the flag (RFC 8252 §8.6)', async () => {
    const cli = await registerClient(t.url, { client_name: 'Ops CLI' });
    const card = async (id: string) => {
      const html = await (await admin.request('/admin/clients')).text();
      const start = html.indexOf(`data-client-id="${id}"`);
      return html.slice(start, html.indexOf('</li>', start));
    };
    assert.doesNotMatch(await card(cli.client_id), /remember-consent/);
    await t.dataSource.query(`UPDATE oauth_clients SET created_via = 'admin' WHERE client_id = $1`, [
      cli.client_id,
    ]);
    assert.match(
      await card(cli.client_id),
      /class="remember-consent">off: people click "Continue" each time/,
    );
    const page = await admin.follow('/admin/clients');
    const form = parseForms(page.text).find(
      (f) => f.action === `/admin/clients/${cli.client_id}/remember-consent`,
    );
    assert.ok(form);
    const done = await admin.submit(form, page.url);
    assert.equal(done.url, `${t.url}/admin/clients?done=remember-consent`);
    assert.match(await card(cli.client_id), /class="remember-consent">on/);
    const [row] = await t.dataSource.query<{ remember_consent: boolean }[]>(
      `SELECT remember_consent FROM oauth_clients WHERE client_id = $1`,
      [cli.client_id],
    );
    assert.deepEqual(row, { remember_consent: true });
    const back = parseForms((await admin.follow('/admin/clients')).text).find(
      (f) => f.action === `/admin/clients/${cli.client_id}/ask-every-time`,
    );
    assert.ok(back);
    await admin.submit(back, page.url);
    assert.match(await card(cli.client_id), /class="remember-consent">off/);
  });

  it('refuses to delete a used client (409) and a form without CSRF (403)', async () => {
    const csrf = await csrfOf(admin);
    const res = await admin.request(`/admin/clients/${user.client.client_id}/delete`, {
      method: 'POST',
      form: { csrf },
    });
    assert.equal(res.status, 409);
    const noCsrf = await admin.request(`/admin/clients/${unused.client_id}/delete`, {
      method: 'POST',
      form: {},
    });
    assert.equal(noCsrf.status, 403);
    const rows = await t.dataSource.query(`SELECT client_id FROM oauth_clients WHERE client_id = ANY($1)`, [
      [user.client.client_id, unused.client_id],
    ]);
    assert.equal(rows.length, 2);
  });

  it('disable: tokens stop at once, token endpoint says invalid_client, authorize shows a clear page', async () => {
    assert.equal((await postMcp(t.url, user.tokens.access_token, toolsList)).status, 200);
    const page = await admin.follow('/admin/clients');
    const form = parseForms(page.text).find(
      (f) => f.action === `/admin/clients/${user.client.client_id}/disable`,
    )!;
    const done = await admin.submit(form, page.url);
    assert.equal(done.url, `${t.url}/admin/clients?done=disable`);
    assert.match(done.text, /id="admin-notice"/);
    assert.equal((await postMcp(t.url, user.tokens.access_token, toolsList)).status, 401);

    const refresh = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: user.tokens.refresh_token!,
      client_id: user.client.client_id,
    });
    assert.equal(refresh.status, 401);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_client');

    const authorize = await user.session.follow(
      authorizeUrl(t.url, {
        client_id: user.client.client_id,
        redirect_uri: user.client.redirect_uris[0],
        code_challenge: pkcePair().challenge,
      }),
    );
    assert.equal(authorize.externalRedirect, undefined, 'never redirected to the client');
    assert.equal(authorize.response.status, 400);
    assert.match(authorize.text, /disabled by the administrator/);

    const audit = await t.dataSource.query<{ detail: { grantsRevoked: number } }[]>(
      `SELECT detail FROM audit_events WHERE type = 'client.disabled' AND client_id = $1`,
      [user.client.client_id],
    );
    assert.deepEqual(
      audit.map((a) => a.detail.grantsRevoked),
      [1],
    );
    const account = await (await user.session.request('/account')).text();
    assert.match(account, /id="no-apps"/);
  });

  it('enable: the client may be authorized again (consent is asked anew)', async () => {
    const page = await admin.follow('/admin/clients');
    const form = parseForms(page.text).find(
      (f) => f.action === `/admin/clients/${user.client.client_id}/enable`,
    )!;
    await admin.submit(form, page.url);
    const again = await obtainTokens(t.url, {
      email: 'user@example.com',
      client: user.client,
      session: user.session,
      resource: `${t.url}/mcp`,
    });
    assert.equal((await postMcp(t.url, again.tokens.access_token, toolsList)).status, 200);
  });

  it('delete: a never-used self-registered client is removed and audited', async () => {
    const page = await admin.follow('/admin/clients');
    const form = parseForms(page.text).find((f) => f.action === `/admin/clients/${unused.client_id}/delete`)!;
    const done = await admin.submit(form, page.url);
    assert.equal(done.url, `${t.url}/admin/clients?done=delete`);
    const rows = await t.dataSource.query(`SELECT 1 FROM oauth_clients WHERE client_id = $1`, [
      unused.client_id,
    ]);
    assert.equal(rows.length, 0);
    const audit = await t.dataSource.query(
      `SELECT 1 FROM audit_events WHERE type = 'client.deleted' AND client_id = $1`,
      [unused.client_id],
    );
    assert.equal(audit.length, 1);
  });

  it('cleanup removes self-registered clients unused for DCR_CLIENT_TTL_DAYS (default 90), keeps others', async () => {
    const stale = await registerClient(t.url, { client_name: 'Stale App' });
    const recent = await registerClient(t.url, { client_name: 'Recent App' });
    await t.dataSource.query(
      `UPDATE oauth_clients SET created_at = now() - interval '91 days' WHERE client_id = ANY($1)`,
      [[stale.client_id, user.client.client_id]],
    );
    await t.dataSource.query(
      `UPDATE oauth_clients SET created_at = now() - interval '89 days' WHERE client_id = $1`,
      [recent.client_id],
    );
    await t.app.get(OAuthHousekeeping).run();
    const left = await t.dataSource.query<{ client_id: string }[]>(
      `SELECT client_id FROM oauth_clients WHERE client_id = ANY($1) ORDER BY client_name`,
      [[stale.client_id, recent.client_id, user.client.client_id]],
    );
    // "Used App" is old but was used (token endpoint, live grant): it stays.
    assert.deepEqual(left.map((r) => r.client_id).sort(), [recent.client_id, user.client.client_id].sort());
  });
});
