// Checks (sign-in with Google and company OpenID Connect SSO) against a local fake OpenID
// provider (discovery, JWKS, signed ID tokens): full sign-in per provider, our own state + nonce +
// PKCE checked at the callback, ID token audience/nonce validation, email_verified, the account
// linking rule across providers, provider outages. Requirements: RS-TOK-06, RS-TOK-09.
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startTestApp, type TestApp } from '../support/app';
import { startFakeOidcProvider, type FakeOidcProvider } from '../support/fake-providers/fake-oidc';
import { HttpSession } from '../support/http-session';
import {
  passThroughProvider,
  signInWithDevLogin,
  signInWithProvider,
  startProviderSignIn,
} from '../support/sign-in';

const sha256 = (v: string) => createHash('sha256').update(v).digest();

interface IdentityRow {
  user_id: string;
  issuer: string;
  email: string | null;
  email_verified: boolean;
}

const identity = async (t: TestApp, provider: string, subject: string): Promise<IdentityRow | undefined> =>
  (
    await t.dataSource.query<IdentityRow[]>(
      'SELECT user_id, issuer, email, email_verified FROM user_identities WHERE provider = $1 AND subject = $2',
      [provider, subject],
    )
  )[0];

describe('identity: OpenID Connect (company SSO) and Google sign-in', () => {
  let idp: FakeOidcProvider;
  let t: TestApp;

  before(async () => {
    idp = await startFakeOidcProvider();
    t = await startTestApp({ env: { ...idp.oidcEnv(), ...idp.googleEnv() } });
  });
  after(async () => {
    await t.close();
    await idp.stop();
  });
  beforeEach(() => {
    idp.denyConsent = false;
    idp.wrongAudience = false;
    idp.currentUser = {
      sub: 'emp-1',
      email: 'Grace@Corp.Example',
      email_verified: true,
      name: 'Grace Hopper',
    };
  });

  it('lists both providers on the sign-in page with the configured SSO name', async () => {
    const page = await new HttpSession(t.url).follow('/login');
    assert.match(page.text, /data-provider="google">Continue with Google</);
    assert.match(page.text, /data-provider="oidc">Continue with Acme SSO</);
  });

  it('OIDC: discovery, our state + nonce + PKCE S256, validated ID token, verified email', async () => {
    const s = new HttpSession(t.url);
    const authorizeUrl = await startProviderSignIn(s, 'oidc', '/next?x=1');
    const q = new URL(authorizeUrl).searchParams;
    assert.equal(new URL(authorizeUrl).origin, idp.url);
    assert.equal(q.get('client_id'), idp.clientId);
    assert.equal(q.get('redirect_uri'), `${t.url}/auth/oidc/callback`);
    assert.equal(q.get('response_type'), 'code');
    assert.deepEqual(q.get('scope')!.split(' '), ['openid', 'email', 'profile']);
    assert.match(q.get('state')!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('nonce')!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('code_challenge_method'), 'S256');
    const [attempt] = await t.dataSource.query(
      'SELECT nonce, code_verifier, return_to FROM upstream_login_attempts WHERE state_hash = $1',
      [sha256(q.get('state')!)],
    );
    assert.equal(attempt.nonce, q.get('nonce'));
    assert.equal(
      createHash('sha256').update(attempt.code_verifier).digest('base64url'),
      q.get('code_challenge'),
    );
    assert.equal(attempt.return_to, '/next?x=1');

    const res = await s.request(await passThroughProvider(authorizeUrl));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/next?x=1');
    assert.ok(s.cookie('mcp_session'));
    const row = await identity(t, 'oidc', 'emp-1');
    assert.ok(row);
    assert.equal(row.issuer, idp.url);
    assert.equal(row.email, 'grace@corp.example');
    assert.equal(row.email_verified, true);
  });

  it('OIDC: an ID token whose nonce does not match the attempt is refused (502, no session)', async () => {
    const s = new HttpSession(t.url);
    const authorizeUrl = await startProviderSignIn(s, 'oidc');
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    // The provider echoes the nonce it was sent; make the stored expectation differ.
    await t.dataSource.query(`UPDATE upstream_login_attempts SET nonce = $2 WHERE state_hash = $1`, [
      sha256(state),
      'C'.repeat(43),
    ]);
    const res = await s.request(await passThroughProvider(authorizeUrl));
    assert.equal(res.status, 502);
    assert.match(await res.text(), /data-reason="upstream_failed"/);
    assert.equal(s.cookie('mcp_session'), undefined);
  });

  it('OIDC: an ID token for another audience is refused', async () => {
    idp.wrongAudience = true;
    idp.currentUser = { sub: 'emp-aud', email: 'aud@corp.example', email_verified: true };
    const s = new HttpSession(t.url);
    const landed = await signInWithProvider(s, 'oidc');
    assert.equal(landed.response.status, 502);
    assert.equal(s.cookie('mcp_session'), undefined);
    assert.equal(await identity(t, 'oidc', 'emp-aud'), undefined);
  });

  it('OIDC: state mismatch and replay are refused before any code exchange', async () => {
    const s = new HttpSession(t.url);
    const callbackUrl = await passThroughProvider(await startProviderSignIn(s, 'oidc'));
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'D'.repeat(43));
    assert.equal((await s.request(forged.toString())).status, 400);
    assert.equal((await s.request(callbackUrl)).status, 303);
    const replay = await s.request(callbackUrl);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /data-reason="attempt_invalid"/);
  });

  it('OIDC: denied consent shows a clear page', async () => {
    idp.denyConsent = true;
    const s = new HttpSession(t.url);
    const landed = await signInWithProvider(s, 'oidc');
    assert.equal(landed.response.status, 403);
    assert.match(landed.text, /data-reason="upstream_denied"/);
    assert.equal(s.cookie('mcp_session'), undefined);
  });

  it('OIDC: an address without email_verified=true is not kept', async () => {
    idp.currentUser = { sub: 'emp-unverified', email: 'nv@corp.example', name: 'No Verify' };
    await signInWithProvider(new HttpSession(t.url), 'oidc');
    const row = await identity(t, 'oidc', 'emp-unverified');
    assert.ok(row);
    assert.equal(row.email, null);
    assert.equal(row.email_verified, false);
  });

  it('Google: sub as the identity, PKCE, email_verified from userinfo', async () => {
    idp.currentUser = { sub: '1122334455', email: 'ada@gmail.example', email_verified: true, name: 'Ada' };
    const s = new HttpSession(t.url);
    const authorizeUrl = await startProviderSignIn(s, 'google');
    const q = new URL(authorizeUrl).searchParams;
    assert.equal(q.get('redirect_uri'), `${t.url}/auth/google/callback`);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('state')!, /^[A-Za-z0-9_-]{43}$/);
    const res = await s.request(await passThroughProvider(authorizeUrl));
    assert.equal(res.status, 303);
    const row = await identity(t, 'google', '1122334455');
    assert.ok(row);
    assert.equal(row.issuer, 'https://accounts.google.com');
    assert.equal(row.email, 'ada@gmail.example');
    assert.equal(row.email_verified, true);
  });

  it('links across providers only when the email is verified on both sides', async () => {
    // Verified at Google, then verified at the company IdP: one person.
    idp.currentUser = { sub: 'g-link', email: 'link@corp.example', email_verified: true };
    await signInWithProvider(new HttpSession(t.url), 'google');
    idp.currentUser = { sub: 'o-link', email: 'link@corp.example', email_verified: true };
    await signInWithProvider(new HttpSession(t.url), 'oidc');
    const g = await identity(t, 'google', 'g-link');
    const o = await identity(t, 'oidc', 'o-link');
    assert.equal(g!.user_id, o!.user_id);
    const [event] = await t.dataSource.query(
      `SELECT detail FROM audit_events WHERE type = 'signin.succeeded' AND user_id = $1 ORDER BY id DESC LIMIT 1`,
      [o!.user_id],
    );
    assert.equal(event.detail.linked, true);

    // Unverified on one side: two people.
    idp.currentUser = { sub: 'g-nolink', email: 'nolink@corp.example', email_verified: false };
    await signInWithProvider(new HttpSession(t.url), 'google');
    idp.currentUser = { sub: 'o-nolink', email: 'nolink@corp.example', email_verified: true };
    await signInWithProvider(new HttpSession(t.url), 'oidc');
    assert.notEqual(
      (await identity(t, 'google', 'g-nolink'))!.user_id,
      (await identity(t, 'oidc', 'o-nolink'))!.user_id,
    );

    // The dev login's self-asserted address never takes over a verified account.
    const dev = new HttpSession(t.url);
    await signInWithDevLogin(dev, { email: 'link@corp.example' });
    const devIdentity = await identity(t, 'dev', 'link@corp.example');
    assert.notEqual(devIdentity!.user_id, g!.user_id);
  });
});

describe('identity: OpenID provider outage', () => {
  it('an unreachable issuer gives a 502 page at sign-in, and the rest of the app still boots', async () => {
    const deadPort = await freePort();
    const t = await startTestApp({
      env: { OIDC_ISSUER: `http://127.0.0.1:${deadPort}`, OIDC_CLIENT_ID: 'x', OIDC_CLIENT_SECRET: 'y' },
    });
    try {
      const s = new HttpSession(t.url);
      const page = await s.follow('/login');
      assert.match(page.text, /Continue with Company SSO/);
      const res = await s.request('/auth/oidc');
      assert.equal(res.status, 502);
      assert.match(await res.text(), /data-reason="upstream_failed"/);
      const attempts = await t.dataSource.query('SELECT 1 FROM upstream_login_attempts');
      assert.deepEqual(attempts, []);
    } finally {
      await t.close();
    }
  });
});
