// Checks sign-in by emailed link in a real browser (Debian chromium driven by playwright-core), the
// whole flow: a pending authorization sends the browser to the sign-in page, "Email me a sign-in link"
// → "Check your email" → the link from the message (real SMTP server) → consent → Allow → the client's
// redirect_uri with a code. Then the same kind of link opened in another browser shows "Sign in on this
// device?" and signs in only after the button. Screenshots of each page are saved under test-output/.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { signInLinkOf, startFakeSmtp, type FakeSmtp } from '../support/fake-smtp';
import { authorizeUrl, pkcePair, registerClient } from '../support/oauth-flow';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(__dirname, '..', '..', '..', 'test-output');
// CI installs chromium; there a missing browser is a failure, elsewhere the test is skipped.
const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.CI !== 'true' ? `${CHROMIUM} is not installed` : false;

describe('browser: sign in by emailed link', { skip }, () => {
  let smtp: FakeSmtp;
  let t: TestApp;
  let browser: Browser;

  before(async () => {
    assert.ok(!missing, `${CHROMIUM} is missing (apt-get install -y chromium)`);
    mkdirSync(OUTPUT, { recursive: true });
    smtp = await startFakeSmtp();
    t = await startTestApp({ env: { ...smtp.env(), DEV_LOGIN: 'false' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.stop();
  });

  it('authorize → email form → link from the message → consent → Allow → code at the client', async () => {
    // The client's loopback listener (RFC 8252 §7.3), answering its redirect_uri.
    let callback: URL | undefined;
    const listener = createServer((req, res) => {
      // Only the redirect itself: the browser also asks this origin for /favicon.ico afterwards.
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname === '/callback') callback = url;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('client received the code');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
    const client = await registerClient(t.url, {
      client_name: 'Mail Browser Client',
      redirect_uris: [redirectUri],
    });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      const start = authorizeUrl(t.url, {
        client_id: client.client_id,
        redirect_uri: redirectUri,
        code_challenge: pkcePair().challenge,
        state: 'browser-mail-state',
      });
      assert.equal((await page.goto(start))?.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await page.getByTestId('client-name').textContent(), 'Mail Browser Client');
      await page.getByLabel('Email').fill('Browser.Mail@Example.com');
      await page.screenshot({ path: join(OUTPUT, 'browser-email-login.png'), fullPage: true });
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/auth/email'),
        page.getByRole('button', { name: 'Email me a sign-in link' }).click(),
      ]);
      assert.equal(await page.locator('h1').textContent(), 'Check your email');
      assert.match((await page.getByTestId('email-sent').textContent()) ?? '', /browser\.mail@example\.com/);
      await page.screenshot({ path: join(OUTPUT, 'browser-email-sent.png'), fullPage: true });

      const link = signInLinkOf(await smtp.nextMessage('browser.mail@example.com'));
      await page.goto(link);
      assert.match(new URL(page.url()).pathname, /^\/oauth\/authorize/);
      assert.equal(await page.locator('#client-name').textContent(), 'Mail Browser Client');
      assert.match(
        (await page.textContent('body')) ?? '',
        /Signed in as browser\.mail \(browser\.mail@example\.com\)/,
      );
      await page.screenshot({ path: join(OUTPUT, 'browser-email-consent.png'), fullPage: true });

      await Promise.all([
        page.waitForURL((url) => url.toString().startsWith(redirectUri)),
        page.getByRole('button', { name: 'Allow' }).click(),
      ]);
      assert.ok(callback, 'the browser reached the client');
      assert.equal(callback.searchParams.get('state'), 'browser-mail-state');
      assert.match(callback.searchParams.get('code') ?? '', /.{20,}/);
      assert.equal(callback.searchParams.get('iss'), t.url);
      const session = (await context.cookies(t.url)).find((c) => c.name === 'mcp_session');
      assert.ok(session?.httpOnly, 'the browser holds the HttpOnly session cookie');
      for (const name of ['login', 'sent', 'consent']) {
        assert.ok(existsSync(join(OUTPUT, `browser-email-${name}.png`)));
      }
    } finally {
      await context.close();
      listener.close();
    }
  });

  it('a link opened in another browser asks "Sign in on this device?" and signs in only after the button', async () => {
    const laptop = await browser.newContext({ javaScriptEnabled: false });
    const phone = await browser.newContext({ javaScriptEnabled: false });
    try {
      const asking = await laptop.newPage();
      await asking.goto(`${t.url}/login`);
      await asking.getByLabel('Email').fill('two.devices@example.com');
      await Promise.all([
        asking.waitForURL((url) => url.pathname === '/auth/email'),
        asking.getByRole('button', { name: 'Email me a sign-in link' }).click(),
      ]);
      const link = signInLinkOf(await smtp.nextMessage('two.devices@example.com'));

      const page = await phone.newPage();
      assert.equal((await page.goto(link))?.status(), 200);
      assert.equal(await page.locator('h1').textContent(), 'Sign in on this device?');
      assert.equal(await page.getByTestId('email-confirm-address').textContent(), 'two.devices@example.com');
      assert.equal(
        (await phone.cookies(t.url)).find((c) => c.name === 'mcp_session'),
        undefined,
      );
      await page.screenshot({ path: join(OUTPUT, 'browser-email-confirm.png'), fullPage: true });

      await Promise.all([
        page.waitForURL((url) => url.pathname === '/'),
        page.getByRole('button', { name: 'Sign in on this device' }).click(),
      ]);
      assert.ok((await phone.cookies(t.url)).find((c) => c.name === 'mcp_session'));
      await page.goto(`${t.url}/login`);
      assert.match((await page.textContent('body')) ?? '', /You are signed in as\s+two\.devices/);
      assert.equal(
        (await laptop.cookies(t.url)).find((c) => c.name === 'mcp_session'),
        undefined,
      );
      assert.ok(existsSync(join(OUTPUT, 'browser-email-confirm.png')));
    } finally {
      await laptop.close();
      await phone.close();
    }
  });
});
