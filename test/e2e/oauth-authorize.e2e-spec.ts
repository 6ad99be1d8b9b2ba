// Checks: the authorization endpoint — each error path with its exact code; errors about the
// client or redirect_uri are shown, never redirected (AS-PK-04/05); later errors carry state and iss
// (AS-PK-06/08, RFC 9207) — as a page with a link back for self-registered clients before anyone
// interacted (AS-PK-05: no open redirector), as a redirect otherwise; consent page (UP-05, AS-REG-06),
// stored consent, prompt.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms } from '../support/http-session';
import { signInWithDevLogin } from '../support/sign-in';
import {
  authorizeInBrowser,
  authorizeUrl,
  DEFAULT_REDIRECT_URI,
  pkcePair,
  registerClient,
  type RegisteredClient,
} from '../support/oauth-flow';

describe('OAuth authorization endpoint', () => {
  let t: TestApp;
  let client: RegisteredClient;
  const challenge = pkcePair().challenge;

  before(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000', RATE_LIMIT_REGISTER_PER_HOUR: '1000' },
    });
    client = await registerClient(t.url, {
      client_name: 'Authorize Test App',
      redirect_uris: [DEFAULT_REDIRECT_URI, 'https://app.example.com/cb?tenant=1'],
    });
  });
  after(async () => {
    await t.close();
  });

  const get = (url: string, session?: HttpSession) =>
    session ? session.request(url) : fetch(url, { redirect: 'manual' });

  /** The error page: never a redirect, the exact code on the page, no-store. */
  async function expectErrorPage(res: Response, status: number, error: string): Promise<void> {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('location'), null, 'must not redirect');
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.match(html, new RegExp(`<code id="error-code">${error}</code>`));
  }

  /**
   * An error for the client, with error, state and iss (RFC 9207). `link`: the request came from a
   * self-registered client and nobody has interacted yet, so the server shows a page whose "return"
   * link carries the error (AS-PK-05: no automatic redirect to a URI anyone could register);
   * `redirect`: after the person interacted (consent form), a 302/303 straight to the client.
   */
  async function expectRedirectedError(
    res: Response,
    error: string,
    state: string | null,
    redirect = DEFAULT_REDIRECT_URI,
    mode: 'link' | 'redirect' = 'link',
  ) {
    let target: string;
    if (mode === 'redirect') {
      assert.ok([302, 303].includes(res.status), `expected a redirect, got ${res.status}`);
      target = res.headers.get('location')!;
    } else {
      assert.ok(res.status >= 400 && res.status < 500, `expected an error page, got ${res.status}`);
      assert.equal(res.headers.get('location'), null, 'no automatic redirect (AS-PK-05)');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const html = await res.text();
      assert.match(html, new RegExp(`<code id="error-code">${error}</code>`));
      const href = /id="return-link" href="([^"]+)"/.exec(html)?.[1];
      assert.ok(href, 'the page links back to the client');
      target = href.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    }
    const location = new URL(target);
    assert.equal(`${location.origin}${location.pathname}`, redirect.split('?')[0]);
    assert.equal(location.searchParams.get('error'), error);
    assert.equal(location.searchParams.get('state'), state);
    assert.equal(location.searchParams.get('iss'), t.config.issuer);
    assert.equal(location.searchParams.get('code'), null);
    assert.equal(location.searchParams.getAll('iss').length, 1);
    return location;
  }

  const good = () => ({ client_id: client.client_id, code_challenge: challenge, state: 'xyz' });

  describe('errors shown on a page (client or redirect_uri not known good)', () => {
    it('missing client_id → 400 invalid_request', async () => {
      await expectErrorPage(
        await get(authorizeUrl(t.url, { ...good(), client_id: '' })),
        400,
        'invalid_request',
      );
    });
    it('unknown client_id → 400 invalid_client', async () => {
      await expectErrorPage(
        await get(authorizeUrl(t.url, { ...good(), client_id: 'mcpc_nope' })),
        400,
        'invalid_client',
      );
    });
    it('unregistered redirect_uri → 400 invalid_redirect_uri, even with other errors present', async () => {
      for (const redirect_uri of [
        'https://evil.example/cb',
        'http://127.0.0.1:7777/callback/extra',
        'https://app.example.com/cb',
        'https://app.example.com/cb?tenant=2',
        'http://127.0.0.2:7777/callback',
      ]) {
        await expectErrorPage(
          await get(authorizeUrl(t.url, { ...good(), redirect_uri, response_type: 'token' })),
          400,
          'invalid_redirect_uri',
        );
      }
    });
    it('missing redirect_uri when the client has several → 400 invalid_redirect_uri', async () => {
      await expectErrorPage(
        await get(authorizeUrl(t.url, { ...good(), redirect_uri: undefined })),
        400,
        'invalid_redirect_uri',
      );
    });
    it('repeated client_id → 400 invalid_request', async () => {
      const url = `${authorizeUrl(t.url, good())}&client_id=${client.client_id}`;
      await expectErrorPage(await get(url), 400, 'invalid_request');
    });
  });

  describe('errors redirected with state and iss', () => {
    it('missing response_type → invalid_request', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), response_type: '' })),
        'invalid_request',
        'xyz',
      );
    });
    it('response_type=token → unsupported_response_type', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), response_type: 'token' })),
        'unsupported_response_type',
        'xyz',
      );
    });
    it('no code_challenge → invalid_request (AS-PK-01)', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), code_challenge: '' })),
        'invalid_request',
        'xyz',
      );
    });
    it('code_challenge_method=plain → invalid_request (AS-PK-02)', async () => {
      await expectRedirectedError(
        await get(
          authorizeUrl(t.url, { ...good(), code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }),
        ),
        'invalid_request',
        'xyz',
      );
    });
    it('no code_challenge_method (RFC 7636 default plain) → invalid_request', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), code_challenge_method: '' })),
        'invalid_request',
        'xyz',
      );
    });
    it('malformed code_challenge → invalid_request', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), code_challenge: 'short' })),
        'invalid_request',
        'xyz',
      );
    });
    it('only unsupported scopes → invalid_scope', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), scope: 'admin:all' })),
        'invalid_scope',
        'xyz',
      );
    });
    it('a foreign resource → invalid_target (AS-RI-03)', async () => {
      for (const resource of ['https://other.example/mcp', `${t.url}/other`, `${t.url}`, 'not-a-uri']) {
        await expectRedirectedError(
          await get(authorizeUrl(t.url, { ...good(), resource })),
          'invalid_target',
          'xyz',
        );
      }
    });
    it('an unknown prompt value → invalid_request', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), prompt: 'bogus' })),
        'invalid_request',
        'xyz',
      );
    });
    it('prompt=none, not signed in → login_required', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), prompt: 'none' })),
        'login_required',
        'xyz',
      );
    });
    it('a repeated parameter → invalid_request; state is echoed verbatim (AS-PK-06)', async () => {
      const state = 'a b+c/é&=';
      const url = `${authorizeUrl(t.url, { ...good(), state })}&scope=notes:read&scope=profile:read`;
      await expectRedirectedError(await get(url), 'invalid_request', state);
    });
    it('no state sent → no state returned', async () => {
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), state: undefined, response_type: 'token' })),
        'unsupported_response_type',
        null,
      );
    });
    it("keeps the registered redirect URI's own query", async () => {
      const location = await expectRedirectedError(
        await get(
          authorizeUrl(t.url, {
            ...good(),
            redirect_uri: 'https://app.example.com/cb?tenant=1',
            response_type: 'x',
          }),
        ),
        'unsupported_response_type',
        'xyz',
        'https://app.example.com/cb?tenant=1',
      );
      assert.equal(location.searchParams.get('tenant'), '1');
    });
    it('a client registered by an administrator gets the same error as an automatic redirect (AS-PK-05)', async () => {
      const trusted = await registerClient(t.url, { client_name: 'Admin-registered app' });
      await t.dataSource.query(`UPDATE oauth_clients SET created_via = 'admin' WHERE client_id = $1`, [
        trusted.client_id,
      ]);
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), client_id: trusted.client_id, response_type: 'token' })),
        'unsupported_response_type',
        'xyz',
        DEFAULT_REDIRECT_URI,
        'redirect',
      );
    });
    it('prompt=none, signed in but no stored consent → consent_required', async () => {
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email: 'prompt-none@example.com' });
      await expectRedirectedError(
        await get(authorizeUrl(t.url, { ...good(), prompt: 'none' }), session),
        'consent_required',
        'xyz',
      );
    });
    it('Deny on the consent page → access_denied with state and iss', async () => {
      const result = await authorizeInBrowser(t.url, {
        email: 'deny@example.com',
        client,
        state: 'deny-state',
        decision: 'deny',
      });
      assert.equal(result.callback.searchParams.get('error'), 'access_denied');
      assert.equal(result.callback.searchParams.get('state'), 'deny-state');
      assert.equal(result.callback.searchParams.get('iss'), t.config.issuer);
      assert.equal(result.callback.searchParams.get('code'), null);
      const events = await t.dataSource.query(
        `SELECT type FROM audit_events WHERE type = 'consent.denied' AND client_id = $1`,
        [client.client_id],
      );
      assert.equal(events.length, 1);
    });
  });

  describe('sign-in and consent', () => {
    it('loopback redirect URIs match on any port (RFC 8252 §7.3) and the answer goes to that port', async () => {
      const result = await authorizeInBrowser(t.url, {
        email: 'port@example.com',
        client,
        redirectUri: 'http://127.0.0.1:49999/callback',
      });
      assert.equal(result.callback.host, '127.0.0.1:49999');
      assert.ok(result.code);
    });

    it('shows a private-use redirect with its scheme, not as a web host (AS-REG-06)', async () => {
      const native = await registerClient(t.url, {
        client_name: 'Native app',
        redirect_uris: ['com.example.app://accounts.example.com/cb'],
      });
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email: 'native@example.com' });
      const page = await session.follow(
        authorizeUrl(t.url, {
          client_id: native.client_id,
          code_challenge: challenge,
          redirect_uri: 'com.example.app://accounts.example.com/cb',
        }),
      );
      assert.equal(page.response.status, 200);
      assert.match(page.text, /id="redirect-host">com\.example\.app:\/\/accounts\.example\.com</);
    });

    it('shows the consent page with client, "not verified", redirect host, loopback warning and scope descriptions', async () => {
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email: 'page@example.com' });
      const page = await session.follow(authorizeUrl(t.url, { ...good(), scope: 'notes:write' }));
      assert.equal(page.response.status, 200);
      assert.equal(page.response.headers.get('cache-control'), 'no-store');
      assert.equal(page.response.headers.get('x-frame-options'), 'DENY');
      assert.match(page.response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.match(page.text, /id="client-name">Authorize Test App</);
      assert.match(page.text, /id="unverified">Not verified</);
      assert.match(page.text, /id="redirect-host">127\.0\.0\.1:7777</);
      assert.match(page.text, /id="loopback-warning"/);
      assert.match(page.text, /Create and delete your notes/);
      const form = parseForms(page.text).find((f) => f.action === '/oauth/authorize/decision');
      assert.ok(form && form.fields.csrf_token && form.fields.request_id);
      assert.deepEqual(
        form.buttons.map((b) => b.value),
        ['allow', 'deny'],
      );
    });

    it('escapes the client name and shows only https logos', async () => {
      const evil = await registerClient(t.url, {
        client_name: '<script>alert(1)</script><img src=x onerror=alert(2)>',
        logo_uri: 'https://logo.example/l.png',
        client_uri: 'https://client.example',
      });
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email: 'xss@example.com' });
      const page = await session.follow(authorizeUrl(t.url, { ...good(), client_id: evil.client_id }));
      assert.equal(page.response.status, 200);
      assert.doesNotMatch(page.text, /<script>alert/);
      assert.doesNotMatch(page.text, /<img src=x/);
      assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(page.text, /<img src="https:\/\/logo\.example\/l\.png"/);
      assert.match(page.text, /https:\/\/client\.example/);
    });

    it('https redirect: no loopback warning; the host is shown', async () => {
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email: 'https@example.com' });
      const page = await session.follow(
        authorizeUrl(t.url, { ...good(), redirect_uri: 'https://app.example.com/cb?tenant=1' }),
      );
      assert.match(page.text, /id="redirect-host">app\.example\.com</);
      assert.doesNotMatch(page.text, /loopback-warning/);
    });

    it('a forged or foreign CSRF token is refused on a page, and the request stays answerable', async () => {
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email: 'csrf@example.com' });
      const page = await session.follow(authorizeUrl(t.url, good()));
      const form = parseForms(page.text).find((f) => f.action === '/oauth/authorize/decision')!;
      const forged = await session.request('/oauth/authorize/decision', {
        form: { ...form.fields, csrf_token: 'forged', decision: 'allow' },
      });
      await expectErrorPage(forged, 400, 'invalid_request');
      // Another signed-in browser cannot use this browser's form (token bound to the login session).
      const other = new HttpSession(t.url);
      await signInWithDevLogin(other, { email: 'csrf@example.com' });
      await expectErrorPage(
        await other.request('/oauth/authorize/decision', { form: { ...form.fields, decision: 'allow' } }),
        400,
        'invalid_request',
      );
      const ok = await session.submit(form, page.url, { decision: 'allow' });
      assert.ok(ok.externalRedirect && new URL(ok.externalRedirect).searchParams.get('code'));
      // Single use: the same form again finds nothing.
      await expectErrorPage(
        await session.request('/oauth/authorize/decision', { form: { ...form.fields, decision: 'allow' } }),
        400,
        'invalid_request',
      );
    });

    it('stored consent skips the consent page for the same or fewer scopes (a public client still clicks Continue); more scopes or prompt=consent show it again', async () => {
      const first = await authorizeInBrowser(t.url, {
        email: 'consent@example.com',
        client,
        scope: 'notes:write',
      });
      assert.equal(first.consentShown, true);
      const same = await authorizeInBrowser(t.url, {
        email: 'consent@example.com',
        client,
        scope: 'notes:write',
        session: first.session,
      });
      assert.equal(same.consentShown, false);
      // RFC 8252 §8.6: a public client gets the one-click page, never a silent code.
      assert.equal(same.continueShown, true);
      assert.ok(same.code);
      assert.equal(same.callback.searchParams.get('iss'), t.config.issuer);
      // notes:write implies notes:read (scope hierarchy, RS-SC-06).
      const fewer = await authorizeInBrowser(t.url, {
        email: 'consent@example.com',
        client,
        scope: 'notes:read',
        session: first.session,
      });
      assert.equal(fewer.consentShown, false);
      const more = await authorizeInBrowser(t.url, {
        email: 'consent@example.com',
        client,
        scope: 'notes:write profile:read',
        session: first.session,
      });
      assert.equal(more.consentShown, true);
      const forced = await authorizeInBrowser(t.url, {
        email: 'consent@example.com',
        client,
        scope: 'notes:read',
        session: first.session,
        extra: { prompt: 'consent' },
      });
      assert.equal(forced.consentShown, true);
      // prompt=none cannot click Continue (OpenID Connect Core §3.1.2.6).
      await expectRedirectedError(
        await first.session.request(authorizeUrl(t.url, { ...good(), scope: 'notes:read', prompt: 'none' })),
        'interaction_required',
        'xyz',
      );
    });

    it('the authorization request survives sign-in: the login page names the client, then consent', async () => {
      const session = new HttpSession(t.url);
      const login = await session.follow(authorizeUrl(t.url, good()));
      assert.match(login.url, /\/login\?/);
      assert.match(login.text, /Authorize Test App/);
      const row = await t.dataSource.query(
        `SELECT state, scopes, expires_at - created_at AS ttl FROM oauth_authorization_requests ORDER BY created_at DESC LIMIT 1`,
      );
      assert.equal(row[0].state, 'xyz');
      assert.deepEqual(row[0].scopes, ['profile:read', 'notes:read']);
    });

    it('an expired or unknown continue link → 400 invalid_request page', async () => {
      const session = new HttpSession(t.url);
      await signInWithDevLogin(session, { email: 'cont@example.com' });
      await expectErrorPage(
        await session.request('/oauth/authorize/continue?request_id=mcp_ar_unknown'),
        400,
        'invalid_request',
      );
    });

    it('codes are stored as digests, bound to everything, and live at most 60 s (AS-PK-09)', async () => {
      const result = await authorizeInBrowser(t.url, {
        email: 'bind@example.com',
        client,
        scope: 'profile:read',
      });
      const rows = await t.dataSource.query(
        `SELECT encode(code_hash, 'hex') AS h, redirect_uri, scopes, resource, extract(epoch FROM expires_at - created_at) AS ttl
           FROM oauth_authorization_codes WHERE encode(code_hash, 'hex') = encode(sha256($1::bytea), 'hex')`,
        [Buffer.from(result.code!)],
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0].redirect_uri, DEFAULT_REDIRECT_URI);
      assert.deepEqual(rows[0].scopes, ['profile:read']);
      assert.equal(rows[0].resource, t.config.mcpResource);
      assert.ok(Number(rows[0].ttl) <= 60);
    });
  });
});
