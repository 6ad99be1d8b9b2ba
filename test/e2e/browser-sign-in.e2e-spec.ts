// Checks sign-in in a real browser (Debian chromium driven by playwright-core): a pending
// authorization (PKCE, registered client) sends the browser to the sign-in page, which names the
// client; "Continue with GitHub" goes through the fake GitHub and lands on the consent page. Screenshots
// of both pages are saved under test-output/. Pages work without JavaScript (none is served).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { startFakeGithub, type FakeGithub } from '../support/fake-providers/fake-github';
import { authorizeUrl, pkcePair, registerClient } from '../support/oauth-flow';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(__dirname, '..', '..', '..', 'test-output');
// CI installs chromium; there a missing browser is a failure, elsewhere the test is skipped.
const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.CI !== 'true' ? `${CHROMIUM} is not installed` : false;

describe('browser: sign in with GitHub and land on the consent page', { skip }, () => {
  let fake: FakeGithub;
  let t: TestApp;
  let browser: Browser;

  before(async () => {
    assert.ok(!missing, `${CHROMIUM} is missing (apt-get install -y chromium)`);
    mkdirSync(OUTPUT, { recursive: true });
    fake = await startFakeGithub();
    fake.currentUser = {
      id: 4242,
      login: 'browser-user',
      name: 'Browser User',
      emails: [{ email: 'browser@corp.example', primary: true, verified: true }],
    };
    t = await startTestApp({ env: fake.env() });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await fake?.stop();
  });

  it('login page → GitHub → consent page, with screenshots', async () => {
    const client = await registerClient(t.url, { client_name: 'Browser Test Client' });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      const start = authorizeUrl(t.url, {
        client_id: client.client_id,
        code_challenge: pkcePair().challenge,
        state: 'browser-state',
      });
      const response = await page.goto(start);
      assert.equal(response?.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await page.getByTestId('client-name').textContent(), 'Browser Test Client');
      assert.equal(await page.getByTestId('dev-only').textContent(), 'development only');
      await page.screenshot({ path: join(OUTPUT, 'browser-login.png'), fullPage: true });

      await Promise.all([
        page.waitForURL((url) => url.pathname.startsWith('/oauth/')),
        page.getByRole('link', { name: 'Continue with GitHub' }).click(),
      ]);
      assert.equal(await page.locator('#client-name').textContent(), 'Browser Test Client');
      assert.ok(await page.getByRole('button', { name: 'Allow' }).isVisible());
      assert.match((await page.textContent('body')) ?? '', /Signed in as Browser User/);
      await page.screenshot({ path: join(OUTPUT, 'browser-consent.png'), fullPage: true });

      const session = (await context.cookies(t.url)).find((c) => c.name === 'mcp_session');
      assert.ok(session, 'the browser holds the session cookie');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');
      assert.equal(session.path, '/');
      assert.ok(existsSync(join(OUTPUT, 'browser-login.png')));
      assert.ok(existsSync(join(OUTPUT, 'browser-consent.png')));
    } finally {
      await context.close();
    }
  });
});
