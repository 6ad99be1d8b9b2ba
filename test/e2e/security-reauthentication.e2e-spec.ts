// Checks the authorization-server gaps of the security review: an approval is good for
// GRANT_MAX_LIFETIME only (refresh then answers invalid_grant and the consent page is shown again,
// RFC 6749 §6 / §5.2), and `prompt=login` / `max_age` force a fresh sign-in (OpenID Connect Core
// §3.1.2.1), with the authorization request surviving the hop to the sign-in page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { parseForms, type FollowResult, type HttpSession } from '../support/http-session';
import { submitDevLoginForm } from '../support/sign-in';
import {
  authorizeInBrowser,
  authorizeUrl,
  obtainTokens,
  pkcePair,
  readJson,
  registerClient,
  tokenRequest,
  type RegisteredClient,
} from '../support/oauth-flow';

describe('grant lifetime and re-authentication', () => {
  let t: TestApp;
  let client: RegisteredClient;
  before(async () => {
    t = await startTestApp({
      env: { GRANT_MAX_LIFETIME: '86400', RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000' },
    });
    client = await registerClient(t.url, {
      client_name: 'Long Lived',
      redirect_uris: ['https://app.example.com/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    // Registered by an administrator: errors before any page are redirected, not shown (AS-PK-05).
    await t.dataSource.query(`UPDATE oauth_clients SET created_via = 'admin' WHERE client_id = $1`, [
      client.client_id,
    ]);
  });
  after(async () => {
    await t.close();
  });

  const basic = () => ({ clientId: client.client_id, clientSecret: client.client_secret! });
  const refresh = (token: string) =>
    tokenRequest(t.url, { grant_type: 'refresh_token', refresh_token: token }, basic());
  const userId = async (email: string) =>
    (await t.dataSource.query<{ id: string }[]>(`SELECT id FROM users WHERE email = $1`, [email]))[0].id;

  describe('GRANT_MAX_LIFETIME', () => {
    it('refresh tokens end with the grant; past it refresh is invalid_grant and the consent page is shown again', async () => {
      const { tokens, session } = await obtainTokens(t.url, { email: 'long@example.com', client });
      const [row] = await t.dataSource.query<{ capped: boolean }[]>(
        `SELECT rt.expires_at <= g.approved_at + interval '1 day' AS capped
           FROM oauth_refresh_tokens rt JOIN oauth_grants g ON g.id = rt.grant_id
          WHERE rt.user_id = $1`,
        [await userId('long@example.com')],
      );
      assert.deepEqual(
        row,
        { capped: true },
        'REFRESH_TOKEN_TTL (30 days) is cut to the grant lifetime (1 day)',
      );
      const ok = await refresh(tokens.refresh_token!);
      assert.equal(ok.status, 200);
      const rotated = await readJson(ok);

      // A day and a minute after the approval (the clock moved through the database).
      const uid = await userId('long@example.com');
      await t.dataSource.query(
        `UPDATE oauth_grants SET approved_at = now() - interval '1 day 1 minute' WHERE user_id = $1`,
        [uid],
      );
      await t.dataSource.query(
        `UPDATE oauth_consents SET updated_at = now() - interval '1 day 1 minute' WHERE user_id = $1`,
        [uid],
      );
      const over = await refresh(rotated.refresh_token);
      assert.equal(over.status, 400);
      assert.equal(over.headers.get('cache-control'), 'no-store');
      const body = await readJson(over);
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /maximum lifetime/);
      // Nothing was consumed: the same token is refused the same way, and does not count as reuse.
      assert.equal((await readJson(await refresh(rotated.refresh_token))).error, 'invalid_grant');
      const [grant] = await t.dataSource.query<{ revoked: boolean }[]>(
        `SELECT revoked_at IS NOT NULL AS revoked FROM oauth_grants WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [uid],
      );
      assert.deepEqual(grant, { revoked: false });

      // The person approves again on the page, and the new grant refreshes.
      const again = await authorizeInBrowser(t.url, { email: 'long@example.com', client, session });
      assert.equal(again.consentShown, true);
      const renewed = await tokenRequest(
        t.url,
        {
          grant_type: 'authorization_code',
          code: again.code!,
          code_verifier: again.verifier,
          redirect_uri: client.redirect_uris[0],
        },
        basic(),
      );
      assert.equal(renewed.status, 200);
      assert.equal((await refresh((await readJson(renewed)).refresh_token)).status, 200);
    });
  });

  describe('prompt=login and max_age (OpenID Connect Core §3.1.2.1)', () => {
    let session: HttpSession;
    before(async () => {
      const first = await authorizeInBrowser(t.url, { email: 'fresh@example.com', client });
      assert.equal(first.consentShown, true);
      session = first.session;
    });

    const go = (extra: Record<string, string>) =>
      session.follow(
        authorizeUrl(t.url, {
          client_id: client.client_id,
          redirect_uri: client.redirect_uris[0],
          code_challenge: pkcePair().challenge,
          state: 's1',
          ...extra,
        }),
      );
    const isLogin = (page: FollowResult) =>
      !page.externalRedirect && parseForms(page.text).some((f) => f.action === '/auth/dev');
    const codeOf = (page: FollowResult) =>
      page.externalRedirect ? new URL(page.externalRedirect).searchParams.get('code') : null;
    const setSessionAge = async (interval: string): Promise<void> => {
      await t.dataSource.query(
        `UPDATE login_sessions SET created_at = now() - $2::interval WHERE user_id = $1`,
        [await userId('fresh@example.com'), interval],
      );
    };
    const sessionIds = async () =>
      (
        await t.dataSource.query<{ id: string }[]>(`SELECT id FROM login_sessions WHERE user_id = $1`, [
          await userId('fresh@example.com'),
        ])
      ).map((r) => r.id);

    it('without them, a remembered consent answers at once', async () => {
      assert.ok(codeOf(await go({})));
    });

    it('prompt=login sends a signed-in person to sign in again, then finishes the same request', async () => {
      const before = await sessionIds();
      const page = await go({ prompt: 'login' });
      assert.ok(isLogin(page), `expected the sign-in page, got ${page.response.status} ${page.url}`);
      const back = await submitDevLoginForm(session, page, { email: 'fresh@example.com' });
      const code = codeOf(back);
      assert.ok(code, `expected a code after signing in again, got ${back.response.status} ${back.url}`);
      assert.equal(new URL(back.externalRedirect!).searchParams.get('state'), 's1');
      const now = await sessionIds();
      assert.equal(now.length, 1);
      assert.notDeepEqual(now, before, 'a new sign-in (a new login session) happened');
    });

    it('max_age: a sign-in older than max_age signs in again; a fresher one does not', async () => {
      await setSessionAge('2 hours');
      assert.ok(codeOf(await go({ max_age: '86400' })), 'two hours is within a day');
      const page = await go({ max_age: '3600' });
      assert.ok(isLogin(page), 'two hours is more than max_age=3600');
      const back = await submitDevLoginForm(session, page, { email: 'fresh@example.com' });
      assert.ok(codeOf(back));
      // max_age=0 always signs in again, and the sign-in just made satisfies it (no loop).
      const zero = await go({ max_age: '0' });
      assert.ok(isLogin(zero));
      assert.ok(codeOf(await submitDevLoginForm(session, zero, { email: 'fresh@example.com' })));
    });

    it('prompt=none with a sign-in older than max_age → login_required; a bad max_age → invalid_request', async () => {
      await setSessionAge('2 hours');
      const none = await go({ prompt: 'none', max_age: '60' });
      assert.ok(none.externalRedirect, 'an error for the client');
      const answer = new URL(none.externalRedirect);
      assert.equal(answer.searchParams.get('error'), 'login_required');
      assert.equal(answer.searchParams.get('code'), null);
      const bad = await go({ max_age: 'soon' });
      assert.ok(bad.externalRedirect);
      assert.equal(new URL(bad.externalRedirect).searchParams.get('error'), 'invalid_request');
    });
  });
});
