// Checks sign-in by emailed link leaves no credential in the logs (docs/sign-in-email.md; RS-TOK-09):
// the real server process at LOG_LEVEL=trace sends links through an SMTP server that wants a password;
// a link used in the same browser, a link confirmed in another, a reused link and a refused request
// later, the output holds neither a link token nor the SMTP password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signInLinkOf, startFakeSmtp, type FakeSmtp } from '../support/fake-smtp';
import { HttpSession, parseForms } from '../support/http-session';
import type { ServerProcess } from '../support/process';
import { startProcessApp, type ProcessApp } from '../support/process-app';
import { requestEmailLink } from '../support/sign-in';

const SMTP_PASSWORD = 'smtp-password-that-must-never-be-logged-0123';

describe('email sign-in: no link token or SMTP password in the logs', () => {
  let app: ProcessApp;
  let smtp: FakeSmtp;
  let server: ServerProcess;
  let url: string;
  before(async () => {
    smtp = await startFakeSmtp({ user: 'mailer', password: SMTP_PASSWORD });
    app = await startProcessApp({ DEV_LOGIN: 'false', LOG_LEVEL: 'trace', ...smtp.env() });
    ({ server, url } = app);
  });
  after(async () => {
    await app.close();
    await smtp.stop();
  });

  it('same browser, other device, reuse: the output holds no token and no SMTP password', async () => {
    const tokens: string[] = [];
    const browser = new HttpSession(url);
    await requestEmailLink(browser, 'logs@example.com');
    const link = signInLinkOf(await smtp.nextMessage('logs@example.com'));
    tokens.push(new URL(link).searchParams.get('token')!);
    assert.equal((await browser.follow(link)).response.status, 200);
    assert.equal((await browser.follow(link)).response.status, 400, 'reused');

    await requestEmailLink(new HttpSession(url), 'other@example.com');
    const second = signInLinkOf(await smtp.nextMessage('other@example.com'));
    tokens.push(new URL(second).searchParams.get('token')!);
    const phone = new HttpSession(url);
    const confirm = await phone.follow(second);
    const form = parseForms(confirm.text).find((f) => f.action === '/auth/email/confirm')!;
    assert.equal((await phone.submit(form, confirm.url)).response.status, 200);
    await new Promise((r) => setTimeout(r, 300));

    const output = server.output();
    assert.ok(output.length > 1000, 'the server did log');
    assert.match(output, /\/auth\/email\/link\?token=\[REDACTED\]/, 'the access log shows the redacted link');
    assert.ok(!output.includes(SMTP_PASSWORD), 'the SMTP password appears in the logs');
    for (const token of tokens) {
      assert.ok(!output.includes(token), 'a link token appears in the logs');
      assert.ok(!output.includes(token.slice(-24)), 'a fragment of a link token appears in the logs');
    }
  });
});
