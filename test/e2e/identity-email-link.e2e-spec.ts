// Checks sign-in by emailed link (docs/sign-in-email.md) against a real SMTP server: the link continues
// the pending authorization request up to the client's code and token; it works once, for ten
// minutes, signs in at once only in the browser that asked for it and asks for confirmation (CSRF
// protected) anywhere else; asking gives every address the same page; limits per address and per IP
// on the shared limiter (429 + Retry-After); ALLOWED_EMAIL_DOMAINS applies; the address counts as
// verified and links to an existing account; the database holds only digests of the link tokens.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { startFakeGithub, type FakeGithub } from '../support/fake-providers/fake-github';
import { signInLinkOf, startFakeSmtp, type FakeSmtp, type ReceivedMail } from '../support/fake-smtp';
import { HttpSession, parseForms } from '../support/http-session';
import { authorizeUrl, pkcePair, readJson, registerClient, tokenRequest } from '../support/oauth-flow';
import { requestEmailLink, signInWithProvider, submitEmailLinkForm } from '../support/sign-in';

const digest = (v: string) => createHash('sha256').update(v).digest();
const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

describe('identity: sign-in by emailed link', () => {
  let smtp: FakeSmtp;
  let github: FakeGithub;
  let t: TestApp;
  /** Every link token the server mailed. */
  const tokens: string[] = [];

  const readLink = async (to: string): Promise<{ mail: ReceivedMail; link: string }> => {
    const mail = await smtp.nextMessage(to);
    const link = signInLinkOf(mail);
    tokens.push(tokenOf(link));
    return { mail, link };
  };
  const signedInAs = async (s: HttpSession): Promise<string | undefined> => {
    const page = await s.follow('/login');
    return /You are signed in as\s*<strong>([^<]*)<\/strong>/.exec(page.text)?.[1];
  };
  const linkRow = async (token: string) => {
    const rows = await t.dataSource.query<{ email: string; return_to: string; consumed_at: Date | null }[]>(
      'SELECT email, return_to, consumed_at FROM email_sign_in_links WHERE token_hash = $1',
      [digest(token)],
    );
    return rows[0];
  };

  before(async () => {
    smtp = await startFakeSmtp();
    github = await startFakeGithub();
    t = await startTestApp({
      env: {
        ...smtp.env(),
        ...github.env(),
        ALLOWED_EMAIL_DOMAINS: 'corp.example',
        TRUST_PROXY: 'loopback',
        RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR: '3',
        RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR: '4',
      },
    });
  });
  after(async () => {
    await t?.close();
    await github?.stop();
    await smtp?.stop();
  });

  /** A browser behind the proxy at `ip` (each test its own, so the per-IP limit of 4 is not shared). */
  const browser = (ip: string) => {
    const s = new HttpSession(t.url);
    const request = s.request.bind(s);
    s.request = (path, options = {}) =>
      request(path, { ...options, headers: { ...options.headers, 'x-forwarded-for': ip } });
    return s;
  };

  it('the sign-in page offers "Email me a sign-in link" (with CSRF token and return_to)', async () => {
    const page = await browser('198.51.100.1').follow('/login?return_to=%2Faccount');
    const form = parseForms(page.text).find((f) => f.action === '/auth/email');
    assert.ok(form, 'no email form');
    assert.equal(form.method, 'POST');
    assert.match(form.fields.csrf, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(form.fields.return_to, '/account');
    assert.match(page.text, /<button type="submit">Email me a sign-in link<\/button>/);
  });

  it('authorize → sign-in page → email → link → consent → code → tokens, in one browser', async () => {
    const client = await registerClient(t.url, { client_name: 'Mail Client' });
    const s = browser('198.51.100.2');
    const pkce = pkcePair();
    const login = await s.follow(
      authorizeUrl(t.url, { client_id: client.client_id, code_challenge: pkce.challenge, state: 'st-1' }),
    );
    assert.equal(new URL(login.url).pathname, '/login');
    assert.match(login.text, /data-testid="client-name">Mail Client</);
    const returnTo = new URL(login.url).searchParams.get('return_to')!;

    const sent = await submitEmailLinkForm(s, login, 'Flow.Person@Corp.Example');
    assert.equal(sent.response.status, 200);
    assert.equal(sent.response.headers.get('cache-control'), 'no-store');
    assert.match(
      sent.text,
      /data-testid="email-sent">If <strong>flow\.person@corp\.example<\/strong> may sign in/,
    );
    assert.equal(await signedInAs(s), undefined, 'asking for a link signs nobody in');

    const { mail, link } = await readLink('flow.person@corp.example');
    assert.equal(mail.from, 'no-reply@mcp.test');
    assert.equal(mail.subject, 'Your sign-in link for MCP Auth Server');
    assert.ok(link.startsWith(`${t.url}/auth/email/link?token=`), link);
    assert.match(mail.text, /works once and for 10 minutes/);
    assert.ok(mail.html.includes(link.replace(/&/g, '&amp;')), 'the HTML part has the same link');
    const row = await linkRow(tokenOf(link));
    assert.equal(row.email, 'flow.person@corp.example');
    assert.equal(row.return_to, returnTo, 'bound to the pending authorization request');
    assert.equal(row.consumed_at, null);

    const consent = await s.follow(link);
    assert.equal(consent.response.status, 200, consent.text.slice(0, 300));
    assert.match(consent.text, /id="client-name">Mail Client</);
    assert.match(consent.text, /Signed in as flow\.person \(flow\.person@corp\.example\)/);
    assert.ok((await linkRow(tokenOf(link))).consumed_at, 'the link is used up');

    const decision = parseForms(consent.text).find((f) => f.action === '/oauth/authorize/decision')!;
    const back = await s.submit(decision, consent.url, { decision: 'allow' });
    const callback = new URL(back.externalRedirect!);
    assert.equal(callback.searchParams.get('state'), 'st-1');
    const token = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      code_verifier: pkce.verifier,
      redirect_uri: client.redirect_uris[0],
      client_id: client.client_id,
    });
    assert.equal(token.status, 200);
    assert.equal((await readJson(token)).token_type, 'Bearer');

    const [identity] = await t.dataSource.query(
      `SELECT i.provider, i.issuer, i.subject, i.email_verified, u.email, u.email_verified AS user_verified
         FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.subject = $1`,
      ['flow.person@corp.example'],
    );
    assert.deepEqual(identity, {
      provider: 'email',
      issuer: 'email',
      subject: 'flow.person@corp.example',
      email_verified: true,
      email: 'flow.person@corp.example',
      user_verified: true,
    });
    const [event] = await t.dataSource.query(
      `SELECT detail FROM audit_events WHERE type = 'signin.succeeded' ORDER BY created_at DESC LIMIT 1`,
    );
    assert.equal(event.detail.provider, 'email');
  });

  it('a used link is refused, in the same browser or another, and signs nobody in', async () => {
    const s = browser('198.51.100.3');
    await requestEmailLink(s, 'reuse@corp.example');
    const { link } = await readLink('reuse@corp.example');
    const first = await s.follow(link);
    assert.equal(first.response.status, 200);
    assert.equal(await signedInAs(s), 'reuse');

    const again = await s.follow(link);
    assert.equal(again.response.status, 400);
    assert.match(again.text, /data-reason="attempt_invalid"/);
    const other = browser('198.51.100.3');
    const elsewhere = await other.follow(link);
    assert.equal(elsewhere.response.status, 400);
    assert.equal(other.cookie('mcp_session'), undefined);
  });

  it('an expired link is refused (expiry set in the database) and stays unused', async () => {
    const s = browser('198.51.100.4');
    await requestEmailLink(s, 'late@corp.example');
    const { link } = await readLink('late@corp.example');
    // Valid for ten minutes by the database clock.
    const [fresh] = await t.dataSource.query(
      `SELECT round(extract(epoch FROM expires_at - created_at)) AS ttl FROM email_sign_in_links
        WHERE token_hash = $1`,
      [digest(tokenOf(link))],
    );
    assert.equal(Number(fresh.ttl), 600);
    await t.dataSource.query(
      `UPDATE email_sign_in_links SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [digest(tokenOf(link))],
    );
    const res = await s.follow(link);
    assert.equal(res.response.status, 400);
    assert.match(res.text, /data-reason="attempt_invalid"/);
    assert.equal(s.cookie('mcp_session'), undefined);
    assert.equal((await linkRow(tokenOf(link))).consumed_at, null);
    const bad = await s.follow('/auth/email/link?token=not-a-token');
    assert.equal(bad.response.status, 400);
  });

  it('opened in another browser: a confirmation page (nothing used up), then a CSRF-checked POST', async () => {
    const asker = browser('198.51.100.5');
    await requestEmailLink(asker, 'phone@corp.example', { returnTo: '/account' });
    const { link } = await readLink('phone@corp.example');

    const phone = browser('198.51.100.5');
    const confirm = await phone.follow(link);
    assert.equal(confirm.response.status, 200);
    assert.equal(confirm.response.headers.get('cache-control'), 'no-store');
    assert.match(confirm.text, /<h1>Sign in on this device\?<\/h1>/);
    assert.match(confirm.text, /data-testid="email-confirm-address">phone@corp\.example</);
    assert.equal(phone.cookie('mcp_session'), undefined, 'not signed in silently');
    assert.equal((await linkRow(tokenOf(link))).consumed_at, null, 'opening it used nothing');

    const mismatched = browser('198.51.100.5');
    mismatched.setCookie('mcp_login', 'B'.repeat(43));
    const second = await mismatched.follow(link);
    assert.match(second.text, /Sign in on this device\?/, 'another binding cookie is another browser');
    assert.equal(mismatched.cookie('mcp_session'), undefined);

    const form = parseForms(confirm.text).find((f) => f.action === '/auth/email/confirm')!;
    const forged = await phone.request('/auth/email/confirm', { form: { token: form.fields.token } });
    assert.equal(forged.status, 403, 'no CSRF token: refused');
    const wrong = await mismatched.request('/auth/email/confirm', { form: form.fields });
    assert.equal(wrong.status, 403, "another browser's CSRF token: refused");
    assert.equal((await linkRow(tokenOf(link))).consumed_at, null);

    const landed = await phone.submit(form, confirm.url);
    assert.equal(new URL(landed.url).pathname, '/account', 'continues where the link was asked from');
    assert.equal(await signedInAs(phone), 'phone');
    assert.equal(await signedInAs(asker), undefined, 'the asking browser was not signed in');
    const reused = await phone.submit(form, confirm.url);
    assert.equal(reused.response.status, 400);
  });

  it('a known and an unknown address get the same page, the same cookies and a message each', async () => {
    const known = browser('198.51.100.6');
    await requestEmailLink(known, 'known@corp.example');
    await known.follow((await readLink('known@corp.example')).link);
    assert.equal(await signedInAs(known), 'known');

    const answers: { status: number; body: string; cookies: string[] }[] = [];
    for (const address of ['known@corp.example', 'nobody-here@corp.example']) {
      const s = browser('198.51.100.7');
      const page = await s.follow('/login');
      const form = parseForms(page.text).find((f) => f.action === '/auth/email')!;
      const res = await s.request('/auth/email', { form: { ...form.fields, email: address } });
      answers.push({
        status: res.status,
        body: (await res.text()).replaceAll(address, 'ADDRESS'),
        cookies: res.headers
          .getSetCookie()
          .map((c) => c.replace(/=[^;]*/, '=V').replace(/; Expires=[^;]*/i, ''))
          .sort(),
      });
      await readLink(address);
    }
    assert.equal(answers[0].status, 200);
    assert.deepEqual(answers[0], answers[1]);
  });

  it('links to the existing account with the same verified address (same rules as other providers)', async () => {
    github.currentUser = {
      id: 7001,
      login: 'octo',
      name: 'Octo Person',
      emails: [{ email: 'octo@corp.example', primary: true, verified: true }],
    };
    const viaGithub = browser('198.51.100.8');
    await signInWithProvider(viaGithub, 'github');
    assert.equal(await signedInAs(viaGithub), 'Octo Person');

    const viaMail = browser('198.51.100.8');
    await requestEmailLink(viaMail, 'octo@corp.example');
    await viaMail.follow((await readLink('octo@corp.example')).link);
    assert.equal(await signedInAs(viaMail), 'Octo Person', 'same user, name kept');
    const identities: { provider: string }[] = await t.dataSource.query(
      `SELECT i.provider FROM user_identities i JOIN users u ON u.id = i.user_id
        WHERE u.email = 'octo@corp.example' ORDER BY i.provider`,
    );
    assert.deepEqual(
      identities.map((i) => i.provider),
      ['email', 'github'],
    );
  });

  it('ALLOWED_EMAIL_DOMAINS applies: another domain is refused up front and gets no message', async () => {
    const s = browser('198.51.100.9');
    const before = smtp.messages.length;
    const res = await requestEmailLink(s, 'someone@else.example');
    assert.equal(res.response.status, 403);
    assert.match(res.text, /data-reason="email_domain_not_allowed"/);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM email_sign_in_links WHERE email = 'someone@else.example'`,
    );
    assert.equal(n, 0);
    assert.equal(smtp.messages.length, before);
  });

  it('refuses a missing CSRF token or a malformed address and writes nothing', async () => {
    const s = browser('198.51.100.10');
    const page = await s.follow('/login');
    const form = parseForms(page.text).find((f) => f.action === '/auth/email')!;
    const [{ n: before }] = await t.dataSource.query('SELECT count(*)::int AS n FROM email_sign_in_links');
    const noCsrf = await s.request('/auth/email', { form: { email: 'csrf@corp.example' } });
    assert.equal(noCsrf.status, 403);
    const malformed = await s.request('/auth/email', { form: { ...form.fields, email: 'a b@corp.example' } });
    assert.equal(malformed.status, 400);
    const [{ n: after }] = await t.dataSource.query('SELECT count(*)::int AS n FROM email_sign_in_links');
    assert.equal(after, before);
  });

  it('rate limits per address (3 an hour) and per IP (4 an hour): 429 with Retry-After', async () => {
    const send = async (s: HttpSession, address: string) => {
      const page = await s.follow('/login');
      const form = parseForms(page.text).find((f) => f.action === '/auth/email')!;
      return s.request('/auth/email', { form: { ...form.fields, email: address } });
    };
    // Per address, from three different networks.
    const statuses: number[] = [];
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      const res = await send(browser(ip), 'busy@corp.example');
      statuses.push(res.status);
      if (res.status === 429) {
        assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
        assert.ok(Number(res.headers.get('retry-after')) <= 3600);
        assert.match(await res.text(), /data-reason="rate_limited"/);
      } else await res.text();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    // Per IP, with four different addresses and a fifth.
    const one = browser('203.0.113.50');
    const perIp: number[] = [];
    for (const n of [1, 2, 3, 4, 5]) perIp.push((await send(one, `ip${n}@corp.example`)).status);
    assert.deepEqual(perIp, [200, 200, 200, 200, 429]);
    // Messages only for the admitted requests.
    for (let i = 0; i < 3; i++) await readLink('busy@corp.example');
    for (const n of [1, 2, 3, 4]) await readLink(`ip${n}@corp.example`);
    assert.equal(smtp.messagesTo('ip5@corp.example').length, 0);
  });

  it('a pg_dump holds no link token, nor a fragment of one (digests only)', async () => {
    assert.ok(tokens.length >= 10, `${tokens.length} tokens`);
    const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', t.database.url], {
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.match(stdout, /email_sign_in_links/);
    for (const token of tokens) {
      assert.ok(!stdout.includes(token), 'a link token appears in the database dump');
      assert.ok(!stdout.includes(token.slice(-24)), 'a fragment of a link token appears in the dump');
    }
  });
});

describe('identity: email sign-in is off without SMTP', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { EMAIL_LOGIN: 'true' } });
  });
  after(async () => {
    await t?.close();
  });

  it('no form on the sign-in page; the endpoints answer "unknown sign-in method"', async () => {
    const s = new HttpSession(t.url);
    const page = await s.follow('/login');
    assert.equal(
      parseForms(page.text).find((f) => f.action === '/auth/email'),
      undefined,
    );
    const res = await s.request('/auth/email', { form: { email: 'a@corp.example' } });
    assert.equal(res.status, 404);
    assert.equal((await s.request(`/auth/email/link?token=${'A'.repeat(43)}`)).status, 404);
  });
});
