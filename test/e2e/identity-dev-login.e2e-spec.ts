// Checks IdentityModule, step 1: dev login through the real pages, login sessions stored as
// digests and shared by replicas, rotation at sign-in, logout, CSRF on the forms, no open redirect,
// cookie attributes (RS-TOK-09: no secret in the database or logs).
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { SIGNED_IN_USER_RESOLVER, type SignedInUserResolver } from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms } from '../support/http-session';
import { signInWithDevLogin } from '../support/sign-in';

const digest = (v: string) => createHash('sha256').update(v).digest();

function cookieHeader(res: Response, name: string): string {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  assert.ok(header, `no Set-Cookie for ${name}`);
  return header;
}

describe('identity: dev login, sessions, logout', () => {
  let t: TestApp;
  let resolver: SignedInUserResolver;
  const fakeRequest = (cookies: Record<string, string>) => ({ cookies }) as unknown as Request;

  before(async () => {
    t = await startTestApp();
    resolver = t.app.get<SignedInUserResolver>(SIGNED_IN_USER_RESOLVER);
  });
  after(async () => {
    await t.close();
  });

  it('GET /login shows the dev form with a visible "development only" mark and sets a CSRF seed cookie', async () => {
    const s = new HttpSession(t.url);
    const res = await s.request('/login');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.match(html, /data-testid="dev-only">development only</);
    const form = parseForms(html).find((f) => f.action === '/auth/dev');
    assert.ok(form);
    assert.match(form.fields.csrf, /^[A-Za-z0-9_-]{43}$/);
    const seed = cookieHeader(res, 'mcp_csrf');
    assert.match(seed, /; HttpOnly/i);
    assert.match(seed, /; SameSite=Lax/i);
    assert.match(seed, /; Path=\//i);
    assert.doesNotMatch(seed, /; Secure/i);
    assert.notEqual(form.fields.csrf, s.cookie('mcp_csrf'), 'the form token is not the cookie value');
  });

  it('signs in, stores only the digest of the session id, and the resolver sees the user', async () => {
    const s = new HttpSession(t.url);
    const landed = await signInWithDevLogin(s, { email: 'Alice@Example.com', name: 'Alice' });
    assert.equal(landed.response.status, 200);
    assert.equal(new URL(landed.url).pathname, '/');
    const token = s.cookie('mcp_session');
    assert.ok(token && /^[A-Za-z0-9_-]{43}$/.test(token));

    const rows: { id: string; user_id: string; token_hash: Buffer; provider: string; created_at: Date }[] =
      await t.dataSource.query('SELECT id, user_id, token_hash, provider, created_at FROM login_sessions');
    const mine = rows.find((r) => digest(token).equals(r.token_hash));
    assert.ok(mine, 'the session row holds the SHA-256 digest of the cookie value');
    assert.equal(mine.provider, 'dev');
    const leaked: unknown[] = await t.dataSource.query(
      `SELECT 1 FROM login_sessions WHERE encode(token_hash, 'escape') LIKE $1`,
      [`%${token}%`],
    );
    assert.equal(leaked.length, 0);

    const user = await resolver.resolve(fakeRequest({ mcp_session: token }));
    // authTime: when this sign-in happened (OpenID Connect Core prompt=login and max_age use it).
    assert.deepEqual(user, {
      id: mine.user_id,
      email: 'alice@example.com',
      displayName: 'Alice',
      authTime: mine.created_at,
    });
    assert.equal(await resolver.sessionBinding(fakeRequest({ mcp_session: token })), mine.id);
    assert.equal(await resolver.resolve(fakeRequest({ mcp_session: 'x'.repeat(43) })), null);
    assert.equal(await resolver.resolve(fakeRequest({})), null);

    const [event] = await t.dataSource.query(
      `SELECT user_id, detail FROM audit_events WHERE type = 'signin.succeeded' AND user_id = $1`,
      [mine.user_id],
    );
    assert.equal(event.detail.provider, 'dev');
    assert.equal(event.detail.sessionId, mine.id);
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ with the configured lifetime', async () => {
    const s = new HttpSession(t.url);
    const page = await s.follow('/login');
    const form = parseForms(page.text).find((f) => f.action === '/auth/dev')!;
    const res = await s.request('/auth/dev', { form: { ...form.fields, email: 'cookie@example.com' } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    const header = cookieHeader(res, 'mcp_session');
    assert.match(header, /; HttpOnly/i);
    assert.match(header, /; SameSite=Lax/i);
    assert.match(header, /; Path=\/(;|$)/);
    assert.match(header, new RegExp(`; Max-Age=${t.config.loginSessionTtl}(;|$)`));
    assert.doesNotMatch(header, /; Domain=/i);
  });

  it('the same email signs in the same user; another email is another user', async () => {
    const a = new HttpSession(t.url);
    const b = new HttpSession(t.url);
    const c = new HttpSession(t.url);
    await signInWithDevLogin(a, { email: 'same@example.com' });
    await signInWithDevLogin(b, { email: 'same@example.com', name: 'Renamed' });
    await signInWithDevLogin(c, { email: 'other@example.com' });
    const ua = await resolver.resolve(fakeRequest({ mcp_session: a.cookie('mcp_session')! }));
    const ub = await resolver.resolve(fakeRequest({ mcp_session: b.cookie('mcp_session')! }));
    const uc = await resolver.resolve(fakeRequest({ mcp_session: c.cookie('mcp_session')! }));
    assert.equal(ua!.id, ub!.id);
    assert.equal(ub!.displayName, 'Renamed');
    assert.notEqual(ua!.id, uc!.id);
  });

  it('rotates the session id at sign-in: the previous session row is deleted (no fixation)', async () => {
    const s = new HttpSession(t.url);
    await signInWithDevLogin(s, { email: 'rotate@example.com' });
    const first = s.cookie('mcp_session')!;
    await signInWithDevLogin(s, { email: 'rotate@example.com' });
    const second = s.cookie('mcp_session')!;
    assert.notEqual(first, second);
    const old: unknown[] = await t.dataSource.query('SELECT 1 FROM login_sessions WHERE token_hash = $1', [
      digest(first),
    ]);
    assert.equal(old.length, 0);
    assert.equal(await resolver.resolve(fakeRequest({ mcp_session: first })), null);
    assert.ok(await resolver.resolve(fakeRequest({ mcp_session: second })));
  });

  it('a planted (fixated) session cookie is replaced at sign-in, never adopted', async () => {
    const s = new HttpSession(t.url);
    const planted = 'A'.repeat(43);
    s.setCookie('mcp_session', planted);
    await signInWithDevLogin(s, { email: 'fixation@example.com' });
    assert.notEqual(s.cookie('mcp_session'), planted);
    assert.equal(await resolver.resolve(fakeRequest({ mcp_session: planted })), null);
  });

  it('refuses the dev form without a valid CSRF token and creates nothing', async () => {
    const before: { n: string }[] = await t.dataSource.query(
      'SELECT count(*)::text AS n FROM login_sessions',
    );
    const s = new HttpSession(t.url);
    const page = await s.follow('/login');
    const form = parseForms(page.text).find((f) => f.action === '/auth/dev')!;

    const missing = await s.request('/auth/dev', { form: { email: 'csrf@example.com', return_to: '/' } });
    assert.equal(missing.status, 403);
    const invalid = await s.request('/auth/dev', { form: { ...form.fields, email: 'not an email' } });
    assert.equal(invalid.status, 400);
    assert.match(await invalid.text(), /data-reason="form_invalid"/);
    const wrong = await s.request('/auth/dev', {
      form: { ...form.fields, csrf: 'A'.repeat(43), email: 'csrf@example.com' },
    });
    assert.equal(wrong.status, 403);
    assert.match(await wrong.text(), /data-reason="csrf_failed"/);
    // A token from another browser does not match this browser's seed cookie.
    const other = new HttpSession(t.url);
    await other.follow('/login');
    const crossed = await other.request('/auth/dev', { form: { ...form.fields, email: 'csrf@example.com' } });
    assert.equal(crossed.status, 403);
    assert.equal(crossed.headers.getSetCookie().filter((c) => c.startsWith('mcp_session=')).length, 0);

    const afterRows: { n: string }[] = await t.dataSource.query(
      'SELECT count(*)::text AS n FROM login_sessions',
    );
    assert.equal(afterRows[0].n, before[0].n);
    const users: unknown[] = await t.dataSource.query(`SELECT 1 FROM users WHERE email = 'csrf@example.com'`);
    assert.equal(users.length, 0);
  });

  it('returns only to local paths (no open redirect)', async () => {
    const s = new HttpSession(t.url);
    const page = await s.follow('/login');
    const form = parseForms(page.text).find((f) => f.action === '/auth/dev')!;
    for (const [target, expected] of [
      ['/oauth/authorize/continue?request_id=r1', '/oauth/authorize/continue?request_id=r1'],
      ['https://evil.example/x', '/'],
      ['//evil.example/x', '/'],
      ['/\\evil.example', '/'],
      ['javascript:alert(1)', '/'],
    ]) {
      const res = await s.request('/auth/dev', {
        form: { ...form.fields, email: 'redirect@example.com', return_to: target },
      });
      assert.equal(res.status, 303, target);
      assert.equal(res.headers.get('location'), expected, target);
    }
    // The page itself never echoes a foreign target into the form.
    const evil = await s.follow(`/login?return_to=${encodeURIComponent('https://evil.example/')}`);
    assert.equal(parseForms(evil.text).find((f) => f.action === '/auth/dev')!.fields.return_to, '/');
    assert.equal(
      resolver.loginUrl('/oauth/authorize/continue?request_id=r2'),
      '/login?return_to=%2Foauth%2Fauthorize%2Fcontinue%3Frequest_id%3Dr2',
    );
  });

  it('signs out: POST /logout with the CSRF token deletes the session row and clears the cookie', async () => {
    const s = new HttpSession(t.url);
    await signInWithDevLogin(s, { email: 'bye@example.com' });
    const token = s.cookie('mcp_session')!;
    const page = await s.follow('/login');
    assert.match(page.text, /signed in as\s+<strong>bye<\/strong>/);
    const logoutForm = parseForms(page.text).find((f) => f.action === '/logout')!;

    const forged = await s.request('/logout', { form: { csrf: 'A'.repeat(43) } });
    assert.equal(forged.status, 403);
    assert.ok(await resolver.resolve(fakeRequest({ mcp_session: token })), 'a forged logout changes nothing');

    const res = await s.request('/logout', { form: logoutForm.fields });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login');
    assert.match(cookieHeader(res, 'mcp_session'), /Expires=Thu, 01 Jan 1970/);
    assert.equal(s.cookie('mcp_session'), undefined);
    const rows: unknown[] = await t.dataSource.query('SELECT 1 FROM login_sessions WHERE token_hash = $1', [
      digest(token),
    ]);
    assert.equal(rows.length, 0);
    assert.equal(await resolver.resolve(fakeRequest({ mcp_session: token })), null);
    const events: unknown[] = await t.dataSource.query(
      `SELECT 1 FROM audit_events WHERE type = 'signin.logout'`,
    );
    assert.ok(events.length >= 1);
  });

  it('an expired session or a disabled user no longer resolves', async () => {
    const s = new HttpSession(t.url);
    await signInWithDevLogin(s, { email: 'expiring@example.com' });
    const token = s.cookie('mcp_session')!;
    assert.ok(await resolver.resolve(fakeRequest({ mcp_session: token })));
    await t.dataSource.query(
      `UPDATE login_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [digest(token)],
    );
    assert.equal(await resolver.resolve(fakeRequest({ mcp_session: token })), null);

    const d = new HttpSession(t.url);
    await signInWithDevLogin(d, { email: 'disabled@example.com' });
    await t.dataSource.query(`UPDATE users SET disabled = true WHERE email = 'disabled@example.com'`);
    assert.equal(await resolver.resolve(fakeRequest({ mcp_session: d.cookie('mcp_session')! })), null);
    const again = await signInWithDevLogin(d, { email: 'disabled@example.com' });
    assert.equal(again.response.status, 403);
    assert.match(again.text, /data-reason="user_disabled"/);
  });

  it('a second app instance sharing the database recognises the session', async () => {
    const s = new HttpSession(t.url);
    await signInWithDevLogin(s, { email: 'replica@example.com', name: 'Replica' });
    const replica = await startTestApp({ database: t.database });
    try {
      const other = new HttpSession(replica.url);
      other.setCookie('mcp_session', s.cookie('mcp_session')!);
      const page = await other.follow('/login');
      assert.match(page.text, /signed in as\s+<strong>Replica<\/strong>/);
      const r2 = replica.app.get<SignedInUserResolver>(SIGNED_IN_USER_RESOLVER);
      const u = await r2.resolve(fakeRequest({ mcp_session: s.cookie('mcp_session')! }));
      assert.equal(u!.email, 'replica@example.com');
    } finally {
      await replica.close();
    }
  });
});

describe('identity: https deployment cookies and DEV_LOGIN off', () => {
  it('uses __Host- names and Secure when PUBLIC_URL is https', async () => {
    const t = await startTestApp({ env: { PUBLIC_URL: 'https://mcp.example.test' } });
    try {
      const s = new HttpSession(t.url);
      const page = await s.request('/login');
      assert.match(cookieHeader(page, '__Host-mcp_csrf'), /; Path=\/; HttpOnly; Secure; SameSite=Lax/);
      const form = parseForms(await page.text()).find((f) => f.action === '/auth/dev')!;
      const res = await s.request('/auth/dev', { form: { ...form.fields, email: 'tls@example.com' } });
      assert.equal(res.status, 303);
      const header = cookieHeader(res, '__Host-mcp_session');
      assert.match(header, /; Path=\//);
      assert.match(header, /; HttpOnly/);
      assert.match(header, /; Secure/);
      assert.match(header, /; SameSite=Lax/);
      assert.doesNotMatch(header, /; Domain=/i);
      assert.equal(s.cookie('mcp_session'), undefined);
      const resolver = t.app.get<SignedInUserResolver>(SIGNED_IN_USER_RESOLVER);
      const token = s.cookie('__Host-mcp_session')!;
      assert.ok(await resolver.resolve({ cookies: { '__Host-mcp_session': token } } as unknown as Request));
      assert.equal(await resolver.resolve({ cookies: { mcp_session: token } } as unknown as Request), null);
    } finally {
      await t.close();
    }
  });

  it('without DEV_LOGIN there is no dev form and POST /auth/dev is refused', async () => {
    const t = await startTestApp({ env: { DEV_LOGIN: 'false' } });
    try {
      const s = new HttpSession(t.url);
      const page = await s.follow('/login');
      assert.equal(page.response.status, 200);
      assert.equal(
        parseForms(page.text).find((f) => f.action === '/auth/dev'),
        undefined,
      );
      assert.doesNotMatch(page.text, /development only/);
      assert.match(page.text, /No sign-in method is configured/);
      const res = await s.request('/auth/dev', { form: { email: 'x@example.com', csrf: 'x' } });
      assert.equal(res.status, 404);
      const rows: unknown[] = await t.dataSource.query('SELECT 1 FROM login_sessions');
      assert.equal(rows.length, 0);
    } finally {
      await t.close();
    }
  });
});
