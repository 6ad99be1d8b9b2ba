// Checks (account pages: "Connected apps", revoke, activity) and RS-TOK-03/05 (a revoked
// grant's token is refused at /mcp on every replica within 1 s): two users never see each other's grants.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms } from '../support/http-session';
import { postMcp } from '../support/mcp-client';
import { obtainTokens, registerClient, type ObtainedTokens } from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';

const toolsList = { method: 'tools/list', params: {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('account: connected apps', () => {
  let t: TestApp;
  let replica: TestApp;
  let alice: ObtainedTokens;
  let bob: ObtainedTokens;

  before(async () => {
    t = await startTestApp();
    // Same PUBLIC_URL (as behind a balancer), so a token for t's /mcp is for the replica's as well.
    replica = await startTestApp({ database: t.database, env: { PUBLIC_URL: t.url } });
    const resource = `${t.url}/mcp`;
    const aliceClient = await registerClient(t.url, { client_name: 'Alice Agent' });
    alice = await obtainTokens(t.url, {
      email: 'alice@example.com',
      name: 'Alice',
      client: aliceClient,
      scope: 'notes:read',
      resource,
    });
    const bobClient = await registerClient(t.url, { client_name: 'Bob Bot' });
    bob = await obtainTokens(t.url, { email: 'bob@example.com', name: 'Bob', client: bobClient, resource });
  });
  after(async () => {
    await replica?.close();
    await t?.close();
  });

  const grantOf = async (token: ObtainedTokens) =>
    (
      await t.dataSource.query<{ id: string; revoked_at: Date | null; last_used_at: Date | null }[]>(
        `SELECT id, revoked_at, last_used_at FROM oauth_grants WHERE client_id = $1`,
        [token.client.client_id],
      )
    )[0];

  it('signed out: /account and /account/activity send the browser to the sign-in page', async () => {
    const s = new HttpSession(t.url);
    for (const path of ['/account', '/account/activity']) {
      const res = await s.request(path);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `/login?return_to=${encodeURIComponent(path)}`);
    }
  });

  it("shows the profile and one row per grant, with scopes in plain words, not another user's", async () => {
    const res = await alice.session.request('/account');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /script-src[^;]*unsafe-inline/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /id="profile-email">alice@example.com/);
    assert.match(html, /<code>dev<\/code>/);
    const grant = await grantOf(alice);
    assert.match(html, new RegExp(`data-grant-id="${grant.id}"`));
    assert.match(html, /class="client-name">Alice Agent</);
    assert.match(html, /class="badge unverified">not verified</);
    assert.match(html, /<code>127\.0\.0\.1:7777<\/code>/);
    assert.match(html, /<li data-scope="notes:read">/);
    assert.doesNotMatch(html, /Bob Bot/);
    assert.doesNotMatch(html, new RegExp((await grantOf(bob)).id));
    const forms = parseForms(html).filter((f) => f.action.endsWith('/revoke'));
    assert.deepEqual(
      forms.map((f) => f.action),
      [`/account/apps/${grant.id}/revoke`],
    );
    assert.ok(forms[0].fields.csrf, 'the revoke form carries a CSRF token');
  });

  it('records "last used" on a successful /mcp call, at most once a minute per grant', async () => {
    assert.equal((await grantOf(alice)).last_used_at, null);
    assert.equal((await postMcp(t.url, alice.tokens.access_token, toolsList)).status, 200);
    let first: Date | null = null;
    for (let i = 0; i < 50 && !first; i++) {
      first = (await grantOf(alice)).last_used_at;
      if (!first) await sleep(20);
    }
    assert.ok(first, 'last_used_at was written');
    assert.equal((await postMcp(t.url, alice.tokens.access_token, toolsList)).status, 200);
    assert.equal((await postMcp(replica.url, alice.tokens.access_token, toolsList)).status, 200);
    await sleep(200);
    assert.deepEqual((await grantOf(alice)).last_used_at, first, 'not written again within the minute');
    const html = await (await alice.session.request('/account')).text();
    assert.doesNotMatch(html, /class="last-used">not yet/);
  });

  it("refuses to revoke another user's grant (404) and a form without the CSRF token (403)", async () => {
    const aliceGrant = await grantOf(alice);
    const page = await bob.session.follow('/account');
    const bobForm = parseForms(page.text).find((f) => f.action.endsWith('/revoke'))!;
    const cross = await bob.session.request(`/account/apps/${aliceGrant.id}/revoke`, {
      method: 'POST',
      form: { csrf: bobForm.fields.csrf },
    });
    assert.equal(cross.status, 404);
    const noCsrf = await alice.session.request(`/account/apps/${aliceGrant.id}/revoke`, {
      method: 'POST',
      form: {},
    });
    assert.equal(noCsrf.status, 403);
    assert.equal((await grantOf(alice)).revoked_at, null);
    assert.equal((await postMcp(t.url, alice.tokens.access_token, toolsList)).status, 200);
  });

  it('Revoke: tokens and consent gone, audited, /mcp answers 401 on both replicas within 1 s', async () => {
    const aliceGrant = await grantOf(alice);
    // Warm the second replica's token cache, so it must hear the NOTIFY to refuse the token.
    assert.equal((await postMcp(replica.url, alice.tokens.access_token, toolsList)).status, 200);
    const page = await alice.session.follow('/account');
    const form = parseForms(page.text).find((f) => f.action.endsWith('/revoke'))!;
    const done = await alice.session.submit(form, page.url);
    assert.equal(done.url, `${t.url}/account?revoked=1`);
    assert.match(done.text, /id="revoked-notice"/);
    assert.match(done.text, /id="no-apps"/);
    const revokedAt = Date.now();

    let replicaStatus = 0;
    while (Date.now() - revokedAt < 1000) {
      replicaStatus = (await postMcp(replica.url, alice.tokens.access_token, toolsList)).status;
      if (replicaStatus === 401) break;
      await sleep(10);
    }
    assert.equal(replicaStatus, 401, 'the other replica refuses the token within 1 s');
    assert.equal((await postMcp(t.url, alice.tokens.access_token, toolsList)).status, 401);

    const grant = await t.dataSource.query<{ revoked_reason: string }[]>(
      `SELECT revoked_reason FROM oauth_grants WHERE id = $1 AND revoked_at IS NOT NULL`,
      [aliceGrant.id],
    );
    assert.deepEqual(grant, [{ revoked_reason: 'revoked_by_user' }]);
    const live = await t.dataSource.query(
      `SELECT 1 FROM oauth_access_tokens WHERE grant_id = $1 AND revoked_at IS NULL`,
      [aliceGrant.id],
    );
    assert.equal(live.length, 0);
    const consents = await t.dataSource.query(`SELECT 1 FROM oauth_consents WHERE client_id = $1`, [
      alice.client.client_id,
    ]);
    assert.equal(consents.length, 0, 'the stored consent is deleted');
    const audit = await t.dataSource.query<{ user_id: string; client_id: string }[]>(
      `SELECT user_id, client_id FROM audit_events WHERE type = 'grant.revoked' AND grant_id = $1`,
      [aliceGrant.id],
    );
    assert.equal(audit.length, 1);
    assert.equal(audit[0].client_id, alice.client.client_id);

    // Refresh token is dead too.
    const refresh = await fetch(`${t.url}/api/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: alice.tokens.refresh_token!,
        client_id: alice.client.client_id,
      }).toString(),
    });
    assert.equal(refresh.status, 400);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');

    // Bob is untouched.
    assert.equal((await postMcp(t.url, bob.tokens.access_token, toolsList)).status, 200);
    // Revoking again is "not found".
    const again = await alice.session.request(`/account/apps/${aliceGrant.id}/revoke`, {
      method: 'POST',
      form: { csrf: form.fields.csrf },
    });
    assert.equal(again.status, 404);
  });

  it("activity: the user's own events only, newest first, paginated", async () => {
    const res = await alice.session.request('/account/activity');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    const types = [...html.matchAll(/data-event-type="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(types.indexOf('grant.revoked') < types.indexOf('consent.granted'), types.join(','));
    assert.ok(types.includes('signin.succeeded'), types.join(','));
    assert.ok(types.includes('consent.granted'), types.join(','));
    assert.ok(html.includes(alice.client.client_id));
    assert.match(html, /class="client" title="[^"]+">Alice Agent</, 'events name the client');
    assert.ok(!html.includes(bob.client.client_id), "no event of Bob's");
    const bobUser = await t.dataSource.query<{ id: string }[]>(
      `SELECT id FROM users WHERE email = 'bob@example.com'`,
    );
    for (let i = 0; i < 30; i++) {
      await t.dataSource.query(
        `INSERT INTO audit_events (type, user_id, detail) SELECT 'signin.succeeded', id, '{}' FROM users WHERE email = 'alice@example.com'`,
      );
    }
    const first = await (await alice.session.request('/account/activity')).text();
    assert.equal([...first.matchAll(/data-event-type=/g)].length, 25);
    const older = /href="(\/account\/activity\?before=\d+)"/.exec(first.replace(/&#x3D;/g, '='));
    assert.ok(older, 'an "Older" link');
    const second = await (await alice.session.request(older[1])).text();
    const secondTypes = [...second.matchAll(/data-event-type="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(secondTypes.length > 0);
    assert.ok(secondTypes.includes('grant.revoked'), 'older page continues where the first stopped');
    assert.ok(bobUser.length === 1);
  });

  it('empty state explains what will appear', async () => {
    const s = new HttpSession(t.url);
    await signInWithDevLogin(s, { email: 'carol@example.com' });
    const html = await (await s.request('/account')).text();
    assert.match(html, /id="no-apps"/);
    assert.match(html, /appears here/);
  });
});
