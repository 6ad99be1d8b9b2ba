// Checks (sign-in with GitHub incl. Enterprise Server URLs) against a local fake GitHub:
// full sign-in with a cookie jar, server-side single-use state + PKCE (replay and mismatch refused),
// numeric id as the identity, verified primary email, GITHUB_ALLOWED_ORGS / ALLOWED_EMAIL_DOMAINS,
// upstream failures, callback and session on another replica. Requirements: RS-TOK-06, RS-TOK-09.
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { startFakeGithub, type FakeGithub, type FakeGithubUser } from '../support/fake-providers/fake-github';
import { HttpSession } from '../support/http-session';
import { passThroughProvider, signInWithProvider, startProviderSignIn } from '../support/sign-in';

const sha256 = (v: string) => createHash('sha256').update(v).digest();

const alice: FakeGithubUser = {
  id: 101,
  login: 'alice',
  name: 'Alice Liddell',
  emails: [
    { email: 'alice.old@corp.example', primary: false, verified: true },
    { email: 'Alice@Corp.Example', primary: true, verified: true },
  ],
  orgs: ['acme'],
};

interface IdentityRow {
  user_id: string;
  issuer: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  user_email: string | null;
  user_email_verified: boolean;
  display_name: string;
}

async function identities(t: TestApp, subject: string): Promise<IdentityRow[]> {
  return t.dataSource.query<IdentityRow[]>(
    `SELECT i.user_id, i.issuer, i.username, i.email, i.email_verified, u.email AS user_email,
            u.email_verified AS user_email_verified, u.display_name
       FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.provider = 'github' AND i.subject = $1`,
    [subject],
  );
}

async function sessionCount(t: TestApp): Promise<number> {
  const [row] = await t.dataSource.query('SELECT count(*)::int AS n FROM login_sessions');
  return row.n as number;
}

describe('identity: GitHub sign-in', () => {
  let fake: FakeGithub;
  let t: TestApp;

  before(async () => {
    fake = await startFakeGithub();
    t = await startTestApp({ env: fake.env() });
  });
  after(async () => {
    await t.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.currentUser = alice;
    fake.denyConsent = false;
    fake.tokenEndpointFailure = undefined;
  });

  it('signs in end to end: state, PKCE S256, numeric id, verified primary email, session cookie', async () => {
    const s = new HttpSession(t.url);
    const returnTo = '/oauth/authorize/continue?request_id=req-1';
    const authorizeUrl = await startProviderSignIn(s, 'github', returnTo);
    const authorize = new URL(authorizeUrl);
    assert.equal(authorize.origin + authorize.pathname, `${fake.url}/login/oauth/authorize`);
    const q = authorize.searchParams;
    assert.equal(q.get('client_id'), fake.clientId);
    assert.equal(q.get('redirect_uri'), `${t.url}/auth/github/callback`);
    assert.match(q.get('state')!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(q.get('scope')!.split(','), ['read:user', 'user:email']);
    const binding = s.cookie('mcp_login');
    assert.ok(binding, 'the start sets the browser-binding cookie');

    // The attempt is in PostgreSQL: digest of the state, not the state itself.
    const [attempt] = await t.dataSource.query(
      `SELECT provider, return_to, consumed_at, browser_hash FROM upstream_login_attempts WHERE state_hash = $1`,
      [sha256(q.get('state')!)],
    );
    assert.equal(attempt.provider, 'github');
    assert.equal(attempt.return_to, returnTo);
    assert.equal(attempt.consumed_at, null);
    assert.ok(sha256(binding).equals(attempt.browser_hash));

    const callbackUrl = await passThroughProvider(authorizeUrl);
    const res = await s.request(callbackUrl);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), returnTo);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('mcp_session='));
    assert.ok(cookie);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);

    // PKCE: the token request carried the verifier matching the challenge (the fake checks it too).
    const tokenRequest = fake.tokenRequests.at(-1)!;
    assert.equal(
      createHash('sha256').update(tokenRequest.code_verifier).digest('base64url'),
      q.get('code_challenge'),
    );
    assert.equal(tokenRequest.redirect_uri, `${t.url}/auth/github/callback`);

    const [identity] = await identities(t, '101');
    assert.equal(identity.issuer, fake.url);
    assert.equal(identity.username, 'alice');
    assert.equal(identity.email, 'alice@corp.example');
    assert.equal(identity.email_verified, true);
    assert.equal(identity.user_email, 'alice@corp.example');
    assert.equal(identity.display_name, 'Alice Liddell');

    const [consumed] = await t.dataSource.query(
      `SELECT consumed_at, code_verifier, nonce FROM upstream_login_attempts WHERE state_hash = $1`,
      [sha256(q.get('state')!)],
    );
    assert.notEqual(consumed.consumed_at, null);
    assert.equal(consumed.code_verifier, null, 'the verifier is erased once used');
    assert.equal(consumed.nonce, null);

    const page = await s.follow('/login');
    assert.match(page.text, /signed in as\s+<strong>Alice Liddell<\/strong>/);

    // RS-TOK-06 / RS-TOK-09: the upstream access token is stored nowhere.
    const leaks = await t.dataSource.query(
      `SELECT 'x' FROM users u WHERE u::text LIKE '%gho_%'
       UNION ALL SELECT 'x' FROM user_identities i WHERE i::text LIKE '%gho_%'
       UNION ALL SELECT 'x' FROM login_sessions l WHERE l::text LIKE '%gho_%'
       UNION ALL SELECT 'x' FROM upstream_login_attempts a WHERE a::text LIKE '%gho_%'
       UNION ALL SELECT 'x' FROM audit_events e WHERE e::text LIKE '%gho_%'`,
    );
    assert.deepEqual(leaks, []);
    const [event] = await t.dataSource.query(
      `SELECT detail FROM audit_events WHERE type = 'signin.succeeded' AND user_id = $1 ORDER BY id DESC LIMIT 1`,
      [identity.user_id],
    );
    assert.equal(event.detail.provider, 'github');
  });

  it('the same numeric id is the same user even after a rename', async () => {
    await signInWithProvider(new HttpSession(t.url), 'github');
    fake.currentUser = { ...alice, login: 'alice-renamed' };
    const landed = await signInWithProvider(new HttpSession(t.url), 'github');
    assert.equal(landed.response.status, 200);
    const rows = await identities(t, '101');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].username, 'alice-renamed');
  });

  it('two GitHub accounts with the same login but different numeric ids are different users', async () => {
    fake.currentUser = {
      id: 201,
      login: 'octo',
      emails: [{ email: 'octo1@corp.example', primary: true, verified: true }],
    };
    await signInWithProvider(new HttpSession(t.url), 'github');
    // The login was freed and re-registered by someone else.
    fake.currentUser = {
      id: 202,
      login: 'octo',
      emails: [{ email: 'octo2@corp.example', primary: true, verified: true }],
    };
    await signInWithProvider(new HttpSession(t.url), 'github');
    const [first] = await identities(t, '201');
    const [second] = await identities(t, '202');
    assert.ok(first && second);
    assert.equal(first.username, 'octo');
    assert.equal(second.username, 'octo');
    assert.notEqual(first.user_id, second.user_id);
  });

  it('an unverified primary email is not used', async () => {
    fake.currentUser = {
      id: 301,
      login: 'carol',
      emails: [
        { email: 'carol@corp.example', primary: true, verified: false },
        { email: 'carol@other.example', primary: false, verified: true },
      ],
    };
    await signInWithProvider(new HttpSession(t.url), 'github');
    const [row] = await identities(t, '301');
    assert.equal(row.email, null);
    assert.equal(row.user_email, null);
    assert.equal(row.display_name, 'carol');
  });

  it('refuses a callback whose state does not match any attempt (no session)', async () => {
    const s = new HttpSession(t.url);
    const callbackUrl = await passThroughProvider(await startProviderSignIn(s, 'github'));
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'B'.repeat(43));
    const tokenCalls = fake.tokenRequests.length;
    const before = await sessionCount(t);
    const res = await s.request(forged.toString());
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(await res.text(), /data-reason="attempt_invalid"/);
    assert.equal(s.cookie('mcp_session'), undefined);
    assert.equal(await sessionCount(t), before);
    assert.equal(fake.tokenRequests.length, tokenCalls, 'the code is never exchanged');

    const missing = new URL(callbackUrl);
    missing.searchParams.delete('state');
    assert.equal((await s.request(missing.toString())).status, 400);
  });

  it('refuses a replayed callback (state is single use) and does not redeem the code twice', async () => {
    const s = new HttpSession(t.url);
    const first = await signInWithProvider(s, 'github');
    assert.equal(first.response.status, 200);
    const tokenCalls = fake.tokenRequests.length;
    const replayer = new HttpSession(t.url);
    replayer.setCookie('mcp_login', s.cookie('mcp_login')!);
    const res = await replayer.request(first.callbackUrl);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /data-reason="attempt_invalid"/);
    assert.equal(replayer.cookie('mcp_session'), undefined);
    assert.equal(fake.tokenRequests.length, tokenCalls);
  });

  it('refuses a callback after the attempt expired (10 minutes)', async () => {
    const s = new HttpSession(t.url);
    const authorizeUrl = await startProviderSignIn(s, 'github');
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    const [row] = await t.dataSource.query(
      `SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM upstream_login_attempts WHERE state_hash = $1`,
      [sha256(state)],
    );
    assert.equal(row.ttl, 600);
    await t.dataSource.query(
      `UPDATE upstream_login_attempts SET expires_at = now() - interval '1 second' WHERE state_hash = $1`,
      [sha256(state)],
    );
    const res = await s.request(await passThroughProvider(authorizeUrl));
    assert.equal(res.status, 400);
    assert.match(await res.text(), /data-reason="attempt_invalid"/);
    assert.equal(s.cookie('mcp_session'), undefined);
  });

  it('refuses a callback opened in another browser than the one that started (login CSRF)', async () => {
    const attacker = new HttpSession(t.url);
    const callbackUrl = await passThroughProvider(await startProviderSignIn(attacker, 'github'));
    const victim = new HttpSession(t.url);
    const res = await victim.request(callbackUrl);
    assert.equal(res.status, 400);
    assert.equal(victim.cookie('mcp_session'), undefined);
    // The attempt was consumed: the attacker cannot use it afterwards either.
    assert.equal((await attacker.request(callbackUrl)).status, 400);
  });

  it('denied consent at the provider shows a clear page and creates no session', async () => {
    fake.denyConsent = true;
    const s = new HttpSession(t.url);
    const landed = await signInWithProvider(s, 'github', { returnTo: '/somewhere' });
    assert.equal(landed.response.status, 403);
    assert.match(landed.text, /data-reason="upstream_denied"/);
    assert.match(landed.text, /href="\/login\?return_to(=|&#x3D;)%2Fsomewhere"/);
    assert.equal(s.cookie('mcp_session'), undefined);
    const [event] = await t.dataSource.query(
      `SELECT detail FROM audit_events WHERE type = 'signin.refused' ORDER BY id DESC LIMIT 1`,
    );
    assert.deepEqual(event.detail, { provider: 'github', reason: 'upstream_denied' });
  });

  it('an authorization error other than access_denied is a provider problem (502)', async () => {
    const s = new HttpSession(t.url);
    const callbackUrl = new URL(await passThroughProvider(await startProviderSignIn(s, 'github')));
    callbackUrl.searchParams.delete('code');
    callbackUrl.searchParams.set('error', 'redirect_uri_mismatch');
    const res = await s.request(callbackUrl.toString());
    assert.equal(res.status, 502);
    assert.match(await res.text(), /data-reason="upstream_failed"/);
    assert.equal(s.cookie('mcp_session'), undefined);
  });

  it('a failing token endpoint or a bad code gives a 502 page, never a 500, and no session', async () => {
    fake.tokenEndpointFailure = 500;
    const s = new HttpSession(t.url);
    const landed = await signInWithProvider(s, 'github');
    assert.equal(landed.response.status, 502);
    assert.match(landed.text, /data-reason="upstream_failed"/);
    assert.doesNotMatch(landed.text, /at \w+ \(|Error:/);
    assert.equal(s.cookie('mcp_session'), undefined);

    fake.tokenEndpointFailure = undefined;
    const b = new HttpSession(t.url);
    const callbackUrl = await passThroughProvider(await startProviderSignIn(b, 'github'));
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('code', 'not-a-code');
    const res = await b.request(tampered.toString());
    assert.equal(res.status, 502);
    assert.equal(b.cookie('mcp_session'), undefined);
  });

  it('a provider that does not answer times out into a 502 page (about 10 s)', async () => {
    fake.tokenEndpointFailure = 'hang';
    const s = new HttpSession(t.url);
    const started = Date.now();
    const landed = await signInWithProvider(s, 'github');
    const elapsed = Date.now() - started;
    assert.equal(landed.response.status, 502);
    assert.match(landed.text, /data-reason="upstream_failed"/);
    assert.ok(elapsed >= 9_000 && elapsed < 15_000, `timed out after ${elapsed} ms`);
    assert.equal(s.cookie('mcp_session'), undefined);
  });

  it('return targets stay local through the upstream round trip', async () => {
    const s = new HttpSession(t.url);
    const authorizeUrl = await startProviderSignIn(s, 'github', 'https://evil.example/steal');
    const res = await s.request(await passThroughProvider(authorizeUrl));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    const direct = await s.request(`/auth/github?return_to=${encodeURIComponent('//evil.example')}`);
    assert.equal(direct.status, 302);
    const state = new URL(direct.headers.get('location')!).searchParams.get('state')!;
    const [row] = await t.dataSource.query(
      'SELECT return_to FROM upstream_login_attempts WHERE state_hash = $1',
      [sha256(state)],
    );
    assert.equal(row.return_to, '/');
  });

  it('unknown or unconfigured providers get a 404 page', async () => {
    const s = new HttpSession(t.url);
    for (const path of ['/auth/google', '/auth/nope', '/auth/nope/callback?state=x', '/auth/dev']) {
      const res = await s.request(path);
      assert.equal(res.status, 404, path);
      assert.match(await res.text(), /data-reason="provider_unknown"/);
    }
  });

  it('a callback that lands on another replica works, and the session is recognised everywhere', async () => {
    const replica = await startTestApp({ database: t.database, env: { ...fake.env(), PUBLIC_URL: t.url } });
    try {
      const s = new HttpSession(t.url);
      fake.currentUser = {
        id: 401,
        login: 'hopper',
        name: 'Hopper',
        emails: [{ email: 'hopper@corp.example', primary: true, verified: true }],
      };
      const callbackUrl = new URL(await passThroughProvider(await startProviderSignIn(s, 'github')));
      // The load balancer sends the callback to the other replica (same public URL, same cookies).
      const onReplica = new HttpSession(replica.url);
      onReplica.setCookie('mcp_login', s.cookie('mcp_login')!);
      const res = await onReplica.request(`${replica.url}${callbackUrl.pathname}${callbackUrl.search}`);
      assert.equal(res.status, 303);
      const token = onReplica.cookie('mcp_session');
      assert.ok(token);
      // ...and the next request goes back to the first replica.
      s.setCookie('mcp_session', token);
      const page = await s.follow('/login');
      assert.match(page.text, /signed in as\s+<strong>Hopper<\/strong>/);
    } finally {
      await replica.close();
    }
  });
});

describe('identity: GitHub access control', () => {
  let fake: FakeGithub;
  before(async () => {
    fake = await startFakeGithub();
  });
  after(async () => {
    await fake.stop();
  });

  it('GITHUB_ALLOWED_ORGS admits members and refuses others with a clear page and no user', async () => {
    const t = await startTestApp({ env: fake.env({ GITHUB_ALLOWED_ORGS: 'Acme' }) });
    try {
      fake.currentUser = alice;
      const ok = await signInWithProvider(new HttpSession(t.url), 'github');
      assert.equal(ok.response.status, 200);
      assert.ok(fake.authorizeRequests.at(-1)!.scope!.split(',').includes('read:org'));

      fake.currentUser = {
        id: 501,
        login: 'mallory',
        emails: [{ email: 'mallory@corp.example', primary: true, verified: true }],
        orgs: ['not-acme'],
      };
      const s = new HttpSession(t.url);
      const refused = await signInWithProvider(s, 'github');
      assert.equal(refused.response.status, 403);
      assert.match(refused.text, /data-reason="org_not_allowed"/);
      assert.equal(s.cookie('mcp_session'), undefined);
      const users = await t.dataSource.query(`SELECT 1 FROM user_identities WHERE subject = '501'`);
      assert.deepEqual(users, []);
      const [event] = await t.dataSource.query(
        `SELECT detail FROM audit_events WHERE type = 'signin.refused' ORDER BY id DESC LIMIT 1`,
      );
      assert.deepEqual(event.detail, { provider: 'github', reason: 'org_not_allowed' });
    } finally {
      await t.close();
    }
  });

  it('ALLOWED_EMAIL_DOMAINS needs a verified email in the list', async () => {
    const t = await startTestApp({ env: fake.env({ ALLOWED_EMAIL_DOMAINS: 'corp.example' }) });
    try {
      fake.currentUser = alice;
      assert.equal((await signInWithProvider(new HttpSession(t.url), 'github')).response.status, 200);

      fake.currentUser = {
        id: 601,
        login: 'eve',
        emails: [{ email: 'eve@elsewhere.example', primary: true, verified: true }],
      };
      const s = new HttpSession(t.url);
      const refused = await signInWithProvider(s, 'github');
      assert.equal(refused.response.status, 403);
      assert.match(refused.text, /data-reason="email_domain_not_allowed"/);
      assert.equal(s.cookie('mcp_session'), undefined);

      fake.currentUser = {
        id: 602,
        login: 'trudy',
        emails: [{ email: 'trudy@corp.example', primary: true, verified: false }],
      };
      const unverified = await signInWithProvider(new HttpSession(t.url), 'github');
      assert.equal(unverified.response.status, 403);
      assert.match(unverified.text, /data-reason="verified_email_required"/);
      const rows = await t.dataSource.query(`SELECT 1 FROM user_identities WHERE subject IN ('601', '602')`);
      assert.deepEqual(rows, []);
    } finally {
      await t.close();
    }
  });
});
