// Checks rotating SESSION_SECRET without logging everyone out, docs/operations.md: during
// a rollover (SESSION_SECRET=new, SESSION_SECRET_PREVIOUS=old) a sign-in form rendered with the old
// secret still submits; afterwards it is refused; login sessions survive the change because they are
// random ids stored as digests, not signed values. Requirements: UP-05 (login CSRF).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { HttpSession, parseForms } from '../support/http-session';
import { authorizeUrl, pkcePair, registerClient } from '../support/oauth-flow';

const OLD = 'the-old-session-secret-0123456789abcdef0123';
const NEW = 'the-new-session-secret-0123456789abcdef0123';

describe('SESSION_SECRET rollover', () => {
  let database: TestDatabase;
  let before_: TestApp; // a replica still on the old secret
  let during: TestApp; // new secret, old one accepted
  let afterwards: TestApp; // new secret only

  before(async () => {
    database = await createTestDatabase();
    before_ = await startTestApp({ database, env: { SESSION_SECRET: OLD } });
    during = await startTestApp({ database, env: { SESSION_SECRET: NEW, SESSION_SECRET_PREVIOUS: OLD } });
    afterwards = await startTestApp({ database, env: { SESSION_SECRET: NEW } });
  });

  after(async () => {
    await Promise.all([before_?.close(), during?.close(), afterwards?.close()]);
    await database?.drop();
  });

  /** Renders the sign-in page on `renderOn`; returns the dev-login form posted to `postTo`. */
  async function devLoginForm(renderOn: TestApp, session: HttpSession) {
    const page = await session.follow(`${renderOn.url}/login`);
    assert.equal(page.response.status, 200);
    const form = parseForms(page.text).find((f) => f.action === '/auth/dev');
    assert.ok(form);
    return form;
  }

  /**
   * Posts the form to another replica with this browser's cookies. Browsers scope cookies by host, not
   * port; the test's cookie jar is per host:port, so the cookies are carried over by hand.
   */
  function carry(session: HttpSession, to: TestApp): HttpSession {
    const there = new HttpSession(to.url);
    for (const name of session.cookieNames()) there.setCookie(name, session.cookie(name)!);
    return there;
  }

  async function post(to: TestApp, session: HttpSession, fields: Record<string, string>, email: string) {
    const there = carry(session, to);
    const res = await there.request('/auth/dev', { form: { ...fields, email, name: '' } });
    return { res, there };
  }

  it('accepts a form rendered with the previous secret during the rollover', async () => {
    const session = new HttpSession(before_.url);
    const form = await devLoginForm(before_, session);
    const { res, there } = await post(during, session, form.fields, 'rollover@example.com');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    assert.ok(there.cookie('mcp_session'));
  });

  it('refuses it once SESSION_SECRET_PREVIOUS is removed', async () => {
    const session = new HttpSession(before_.url);
    const form = await devLoginForm(before_, session);
    const { res, there } = await post(afterwards, session, form.fields, 'late@example.com');
    assert.equal(res.status, 403);
    assert.match(await res.text(), /data-reason="csrf_failed"/);
    assert.equal(there.cookie('mcp_session'), undefined);
  });

  it('signs new forms with the new secret (refused by a replica that only knows the old one)', async () => {
    const session = new HttpSession(during.url);
    const form = await devLoginForm(during, session);
    assert.equal((await post(afterwards, session, form.fields, 'new1@example.com')).res.status, 303);
    const other = new HttpSession(during.url);
    const form2 = await devLoginForm(during, other);
    assert.equal((await post(before_, other, form2.fields, 'new2@example.com')).res.status, 403);
  });

  /** Signs in on `before_` and opens a consent page there (rendered with the old secret). */
  async function consentFormFromOldReplica(email: string) {
    const session = new HttpSession(before_.url);
    const form = await devLoginForm(before_, session);
    const signedIn = await post(before_, session, form.fields, email);
    assert.equal(signedIn.res.status, 303);
    const client = await registerClient(before_.url, { client_name: `rollover ${email}` });
    const browser = carry(signedIn.there, before_);
    const page = await browser.follow(
      authorizeUrl(before_.url, { client_id: client.client_id, code_challenge: pkcePair().challenge }),
    );
    const consent = parseForms(page.text).find((f) => f.action === '/oauth/authorize/decision');
    assert.ok(consent, `expected the consent page, got ${page.response.status}`);
    return { browser, consent };
  }

  it('the consent form (UP-05) also verifies with the previous secret during the rollover, not after it', async () => {
    const first = await consentFormFromOldReplica('consent-during@example.com');
    const accepted = await carry(first.browser, during).request('/oauth/authorize/decision', {
      form: { ...first.consent.fields, decision: 'allow' },
    });
    assert.equal(accepted.status, 303);
    assert.match(accepted.headers.get('location') ?? '', /[?&]code=mcp_ac_/);

    const second = await consentFormFromOldReplica('consent-after@example.com');
    const refused = await carry(second.browser, afterwards).request('/oauth/authorize/decision', {
      form: { ...second.consent.fields, decision: 'allow' },
    });
    assert.ok(![302, 303].includes(refused.status), 'no redirect to the client');
    assert.equal(refused.headers.get('location'), null);
    assert.ok(refused.status >= 400 && refused.status < 500, `status ${refused.status}`);
  });

  it('keeps people signed in across the change (sessions are not signed)', async () => {
    const session = new HttpSession(before_.url);
    const form = await devLoginForm(before_, session);
    const { res, there } = await post(before_, session, form.fields, 'stays@example.com');
    assert.equal(res.status, 303);
    const page = await carry(there, afterwards).follow('/login');
    assert.match(page.text, /You are signed in as\s*<strong>stays<\/strong>/);
  });
});
