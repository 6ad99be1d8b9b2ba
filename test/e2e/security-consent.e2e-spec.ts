// Checks the consent rules against the attacks of a security review: a stored consent is exactly what
// was shown and approved (RFC 6749 §3.3), an RFC 7592 update cannot redirect approved codes or drop
// client authentication (RFC 7592 §2.2), a public client gets no code without a click in the browser
// (RFC 6749 §10.2, RFC 8252 §8.6), and a disabled client is refused at every step (RFC 6749 §5.2).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientAdministration } from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms, type FollowResult } from '../support/http-session';
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

const DECISION = '/oauth/authorize/decision';

/** Where one authorization request ends in a signed-in browser, without clicking anything. */
interface Step {
  kind: 'consent' | 'continue' | 'login' | 'redirect' | 'error-page';
  page: FollowResult;
  /** The client's redirect URI with its parameters (a redirect, or the error page's return link). */
  callback?: URL;
}

function classify(page: FollowResult): Step {
  if (page.externalRedirect) return { kind: 'redirect', page, callback: new URL(page.externalRedirect) };
  const forms = parseForms(page.text);
  const decision = forms.find((f) => f.action === DECISION);
  if (decision) return { kind: decision.fields.remembered === '1' ? 'continue' : 'consent', page };
  if (forms.some((f) => f.action === '/auth/dev')) return { kind: 'login', page };
  const href = /id="return-link" href="([^"]+)"/.exec(page.text)?.[1];
  return {
    kind: 'error-page',
    page,
    callback: href ? new URL(href.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=')) : undefined,
  };
}

describe('consent rules and the attacks of the security review', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      env: {
        ADMIN_EMAILS: 'rising@example.com',
        RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000',
        RATE_LIMIT_REGISTER_PER_HOUR: '1000',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  const start = async (
    session: HttpSession,
    client: RegisteredClient,
    extra: Record<string, string> = {},
  ): Promise<Step> =>
    classify(
      await session.follow(
        authorizeUrl(t.url, {
          client_id: client.client_id,
          redirect_uri: client.redirect_uris[0],
          code_challenge: pkcePair().challenge,
          state: 'st',
          ...extra,
        }),
      ),
    );

  const consentRows = (email: string, clientId: string) =>
    t.dataSource.query<{ scopes: string[]; resource: string }[]>(
      `SELECT c.scopes, c.resource FROM oauth_consents c JOIN users u ON u.id = c.user_id
        WHERE u.email = $1 AND c.client_id = $2 ORDER BY c.resource`,
      [email, clientId],
    );

  const confidential = (name: string, redirect = 'https://app.example.com/cb') =>
    registerClient(t.url, {
      client_name: name,
      redirect_uris: [redirect],
      token_endpoint_auth_method: 'client_secret_basic',
    });

  describe('1. the stored consent is exactly what the page showed', () => {
    it('a non-administrator approving `admin notes:read` stores notes:read; once an administrator, `admin` asks again', async () => {
      const client = await confidential('Scope Creep');
      const first = await authorizeInBrowser(t.url, {
        email: 'rising@example.com',
        client,
        scope: 'admin notes:read',
      });
      assert.equal(first.consentShown, true);
      assert.ok(first.code);
      assert.deepEqual(await consentRows('rising@example.com', client.client_id), [
        { scopes: ['notes:read'], resource: t.config.mcpResource },
      ]);
      // The grant and the code stored for it hold no `admin` either: the authorize flow applies the
      // scope policy before it stores them (the repositories store what they are given).
      assert.deepEqual(
        await t.dataSource.query(
          `SELECT g.scopes AS "grantScopes", c.scopes AS "codeScopes"
             FROM oauth_authorization_codes c JOIN oauth_grants g ON g.id = c.grant_id
             JOIN users u ON u.id = c.user_id
            WHERE u.email = $1 AND c.client_id = $2`,
          ['rising@example.com', client.client_id],
        ),
        [{ grantScopes: ['notes:read'], codeScopes: ['notes:read'] }],
      );
      const old = await tokenRequest(
        t.url,
        {
          grant_type: 'authorization_code',
          code: first.code,
          code_verifier: first.verifier,
          redirect_uri: client.redirect_uris[0],
        },
        { clientId: client.client_id, clientSecret: client.client_secret! },
      );
      const oldTokens = await readJson(old);
      assert.equal(oldTokens.scope, 'notes:read');

      // The same person becomes an administrator (ADMIN_EMAILS + a verified email).
      await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = 'rising@example.com'`);

      // `admin` for the admin API: never approved, so the page is shown (no silent code).
      const forAdmin = await start(first.session, client, {
        scope: 'admin',
        resource: t.config.adminResource,
      });
      assert.equal(forAdmin.kind, 'consent');
      assert.match(forAdmin.page.text, /data-scope="admin"/);

      // The old request again: whatever it answers, it carries no `admin`.
      const again = await start(first.session, client, { scope: 'admin notes:read' });
      if (again.kind === 'redirect') {
        const code = again.callback!.searchParams.get('code');
        assert.ok(code);
        const rows = await t.dataSource.query<{ scopes: string[] }[]>(
          `SELECT g.scopes FROM oauth_authorization_codes c JOIN oauth_grants g ON g.id = c.grant_id
            WHERE c.client_id = $1 ORDER BY c.created_at DESC LIMIT 1`,
          [client.client_id],
        );
        assert.deepEqual(rows, [{ scopes: ['notes:read'] }]);
      } else {
        assert.equal(again.kind, 'consent');
      }

      // The token approved before cannot use the admin API.
      const api = await fetch(`${t.url}/api/admin/clients`, {
        headers: { authorization: `Bearer ${oldTokens.access_token}` },
      });
      assert.ok([401, 403].includes(api.status), `admin API answered ${api.status}`);
    });
  });

  describe('2. an RFC 7592 update cannot hijack an approved client', () => {
    const put = (client: RegisteredClient, token: string, body: Record<string, unknown>) =>
      fetch(client.registration_client_uri, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: client.client_id,
          client_name: client.client_name,
          grant_types: client.grant_types,
          redirect_uris: client.redirect_uris,
          token_endpoint_auth_method: client.token_endpoint_auth_method,
          ...body,
        }),
      });

    it('new redirect_uris: the next authorization shows the page, no code goes to the new URI', async () => {
      const client = await confidential('Hijacked', 'https://app.example.com/cb');
      const first = await authorizeInBrowser(t.url, { email: 'victim@example.com', client });
      assert.equal(first.consentShown, true);
      // Remembered: the same request gets a code without a page (a confidential client).
      assert.equal((await start(first.session, client)).kind, 'redirect');

      // The attacker holds only the registration access token.
      const res = await put(client, client.registration_access_token, {
        redirect_uris: ['https://attacker.example/steal'],
      });
      assert.equal(res.status, 200, JSON.stringify(await res.clone().json()));
      const updated = (await res.json()) as RegisteredClient;
      const step = await start(first.session, updated);
      assert.equal(step.kind, 'consent', 'the person is asked again before a code goes to the new URI');
      assert.match(step.page.text, /id="redirect-host">attacker\.example</);
      const [event] = await t.dataSource.query<{ detail: { redirectUrisChanged: boolean } }[]>(
        `SELECT detail FROM audit_events WHERE type = 'client.updated' AND client_id = $1`,
        [client.client_id],
      );
      assert.equal(event.detail.redirectUrisChanged, true);
    });

    it('leaving client_secret_basic for none needs the current client_secret (RFC 7592 §2.2)', async () => {
      const client = await confidential('Downgraded', 'https://app.example.com/cb2');
      const refused = await put(client, client.registration_access_token, {
        token_endpoint_auth_method: 'none',
      });
      assert.equal(refused.status, 400);
      assert.equal((await readJson(refused)).error, 'invalid_client_metadata');
      const wrong = await put(client, client.registration_access_token, {
        token_endpoint_auth_method: 'none',
        client_secret: 'mcp_cs_not-the-secret',
      });
      assert.equal(wrong.status, 400);
      const [row] = await t.dataSource.query<{ method: string; hash: boolean }[]>(
        `SELECT token_endpoint_auth_method AS method, client_secret_hash IS NOT NULL AS hash
           FROM oauth_clients WHERE client_id = $1`,
        [client.client_id],
      );
      assert.deepEqual(row, { method: 'client_secret_basic', hash: true });

      // A code approved by the person still needs the secret at the token endpoint.
      const auth = await authorizeInBrowser(t.url, { email: 'victim2@example.com', client });
      assert.ok(auth.code);
      const noSecret = await tokenRequest(t.url, {
        grant_type: 'authorization_code',
        code: auth.code,
        code_verifier: auth.verifier,
        redirect_uri: client.redirect_uris[0],
        client_id: client.client_id,
      });
      assert.equal(noSecret.status, 401);
      assert.equal((await readJson(noSecret)).error, 'invalid_client');

      // The owner, who knows the secret, may make the client public.
      const allowed = await put(client, client.registration_access_token, {
        token_endpoint_auth_method: 'none',
        client_secret: client.client_secret,
      });
      assert.equal(allowed.status, 200, JSON.stringify(await allowed.clone().json()));
      assert.equal((await readJson(allowed)).token_endpoint_auth_method, 'none');
    });
  });

  describe('3. a public client gets no code without a click', () => {
    it('a remembered consent shows a one-click "Continue" page bound to the login session', async () => {
      const client = await registerClient(t.url, { client_name: 'Loopback App' });
      const first = await authorizeInBrowser(t.url, { email: 'local@example.com', client });
      assert.equal(first.consentShown, true);

      const step = await start(first.session, client);
      assert.equal(step.kind, 'continue', `expected the Continue page, got ${step.kind}`);
      assert.match(step.page.text, /Continue to\s+Loopback App/);
      const form = parseForms(step.page.text).find((f) => f.action === DECISION)!;
      // Same CSRF protection as the consent form: another browser's session cannot submit it.
      const other = new HttpSession(t.url);
      const loginPage = classify(await other.follow('/login'));
      await submitDevLoginForm(other, loginPage.page, { email: 'local@example.com' });
      const forged = await other.submit(form, step.page.url, { decision: 'allow' });
      assert.equal(forged.externalRedirect, undefined);
      assert.equal(forged.response.status, 400);
      const clicked = await first.session.submit(form, step.page.url, { decision: 'allow' });
      assert.ok(clicked.externalRedirect);
      assert.ok(new URL(clicked.externalRedirect).searchParams.get('code'));

      // prompt=none cannot click: interaction_required (OpenID Connect Core §3.1.2.6).
      const silent = await start(first.session, client, { prompt: 'none' });
      assert.ok(silent.callback, `expected an answer for the client, got ${silent.kind}`);
      assert.equal(silent.callback.searchParams.get('error'), 'interaction_required');
      assert.equal(silent.callback.searchParams.get('code'), null);
    });

    it('an administrator may turn remembered consent on for a client an administrator registered', async () => {
      const client = await registerClient(t.url, { client_name: 'Company CLI' });
      const selfRegistered = t.app.get(ClientAdministration);
      assert.equal(await selfRegistered.setRememberConsent(client.client_id, true, null, null), false);
      await t.dataSource.query(`UPDATE oauth_clients SET created_via = 'admin' WHERE client_id = $1`, [
        client.client_id,
      ]);
      assert.equal(await selfRegistered.setRememberConsent(client.client_id, true, null, null), true);
      const first = await authorizeInBrowser(t.url, { email: 'cli@example.com', client });
      assert.equal(first.consentShown, true);
      assert.equal((await start(first.session, client)).kind, 'redirect');
      const events = await t.dataSource.query<{ detail: { remember: boolean } }[]>(
        `SELECT detail FROM audit_events WHERE type = 'client.remember_consent' AND client_id = $1`,
        [client.client_id],
      );
      assert.deepEqual(
        events.map((e) => e.detail.remember),
        [true],
      );
    });
  });

  describe('5. a disabled client is refused at every step; enabling needs a new consent', () => {
    const admin = () => t.app.get(ClientAdministration);
    const actor = async () =>
      (await t.dataSource.query<{ id: string }[]>(`SELECT id FROM users ORDER BY created_at LIMIT 1`))[0].id;

    it('a consent page opened before Disable cannot be approved after it', async () => {
      const client = await confidential('Pending', 'https://app.example.com/pending');
      const session = new HttpSession(t.url);
      const login = await start(session, client);
      assert.equal(login.kind, 'login');
      const consent = classify(await submitDevLoginForm(session, login.page, { email: 'p@example.com' }));
      assert.equal(consent.kind, 'consent');
      assert.equal(await admin().disable(client.client_id, await actor(), null), true);
      const form = parseForms(consent.page.text).find((f) => f.action === DECISION)!;
      const answer = classify(await session.submit(form, consent.page.url, { decision: 'allow' }));
      assert.equal(answer.callback?.searchParams.get('code') ?? null, null);
      assert.notEqual(answer.kind, 'redirect');
      assert.match(answer.page.text, /disabled by the administrator/);
      assert.deepEqual(await consentRows('p@example.com', client.client_id), []);
    });

    it('sign-in finished after Disable does not continue the request', async () => {
      const client = await confidential('Pending Login', 'https://app.example.com/pending2');
      const session = new HttpSession(t.url);
      const login = await start(session, client);
      assert.equal(login.kind, 'login');
      await admin().disable(client.client_id, await actor(), null);
      const after = classify(await submitDevLoginForm(session, login.page, { email: 'p2@example.com' }));
      assert.equal(after.kind, 'error-page');
      assert.match(after.page.text, /disabled by the administrator/);
    });

    it('authorize, token and refresh refuse it; Enable asks for consent again', async () => {
      const client = await confidential('Toggled', 'https://app.example.com/toggle');
      const obtained = await obtainTokens(t.url, { email: 'toggle@example.com', client });
      const unused = await authorizeInBrowser(t.url, {
        email: 'toggle@example.com',
        client,
        session: obtained.session,
      });
      assert.ok(unused.code);
      await admin().disable(client.client_id, await actor(), null);

      const authorize = await start(obtained.session, client);
      assert.equal(authorize.kind, 'error-page');
      assert.match(authorize.page.text, /disabled by the administrator/);
      const basic = { clientId: client.client_id, clientSecret: client.client_secret! };
      const code = await tokenRequest(
        t.url,
        {
          grant_type: 'authorization_code',
          code: unused.code,
          code_verifier: unused.verifier,
          redirect_uri: client.redirect_uris[0],
        },
        basic,
      );
      assert.equal(code.status, 401);
      assert.equal((await readJson(code)).error, 'invalid_client');
      const refresh = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: obtained.tokens.refresh_token! },
        basic,
      );
      assert.equal(refresh.status, 401);
      assert.equal((await readJson(refresh)).error, 'invalid_client');

      // A consent row written while disabled (a race with a pending page) does not survive Enable.
      await t.dataSource.query(
        `INSERT INTO oauth_consents (id, user_id, client_id, resource, scopes, redirect_uris_digest)
         SELECT gen_random_uuid(), u.id, $1, $2, ARRAY['notes:read'], NULL FROM users u WHERE u.email = 'toggle@example.com'`,
        [client.client_id, t.config.mcpResource],
      );
      assert.equal(await admin().enable(client.client_id, await actor(), null), true);
      assert.deepEqual(await consentRows('toggle@example.com', client.client_id), []);
      assert.equal((await start(obtained.session, client)).kind, 'consent');
    });
  });
});
