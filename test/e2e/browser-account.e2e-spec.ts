// Checks the acceptance in a real browser (Debian chromium driven by playwright-core, JavaScript
// off): sign in, authorize a client, open /account, see the client with its scopes, revoke it, and the
// client's next /mcp call gets 401 (RS-TOK-03). Screenshots of /account (one app, empty, phone width)
// and /admin/clients are saved under test-output/.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { postMcp } from '../support/mcp-client';
import { authorizeUrl, pkcePair, registerClient, tokenRequest } from '../support/oauth-flow';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(__dirname, '..', '..', '..', 'test-output');
const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.CI !== 'true' ? `${CHROMIUM} is not installed` : false;
const EMAIL = 'browser-admin@example.com';

describe('browser: Connected apps — see, revoke, 401', { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  let callbackServer: Server;
  let redirectUri: string;
  const callbacks: string[] = [];

  before(async () => {
    assert.ok(!missing, `${CHROMIUM} is missing (apt-get install -y chromium)`);
    mkdirSync(OUTPUT, { recursive: true });
    t = await startTestApp({ env: { ADMIN_EMAILS: EMAIL } });
    // The client's loopback redirect listener.
    callbackServer = createServer((req, res) => {
      callbacks.push(new URL(req.url ?? '/', 'http://127.0.0.1').toString());
      res.writeHead(200, { 'content-type': 'text/plain' }).end('client callback');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => callbackServer?.close(resolve));
  });

  it('sign in → authorize → /account lists the client → Revoke → /mcp 401; admin page', async () => {
    const client = await registerClient(t.url, {
      client_name: 'Browser Agent',
      redirect_uris: [redirectUri],
    });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      const { verifier, challenge } = pkcePair();
      await page.goto(
        authorizeUrl(t.url, {
          client_id: client.client_id,
          redirect_uri: redirectUri,
          code_challenge: challenge,
          scope: 'notes:write',
          resource: `${t.url}/mcp`,
          state: 'browser-account',
        }),
      );
      assert.equal(new URL(page.url()).pathname, '/login');
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Display name').fill('Browser Admin');
      await Promise.all([
        page.waitForURL((url) => url.pathname.startsWith('/oauth/')),
        page.getByRole('button', { name: 'Sign in (dev)' }).click(),
      ]);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/callback'),
        page.getByRole('button', { name: 'Allow' }).click(),
      ]);
      const code = new URL(callbacks[0]).searchParams.get('code');
      assert.ok(code, 'the client received a code');
      const res = await tokenRequest(t.url, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: client.redirect_uris[0],
        client_id: client.client_id,
        resource: `${t.url}/mcp`,
      });
      assert.equal(res.status, 200);
      const { access_token } = (await res.json()) as { access_token: string };
      assert.equal((await postMcp(t.url, access_token, { method: 'tools/list', params: {} })).status, 200);

      const account = await page.goto(`${t.url}/account`);
      assert.equal(account?.status(), 200);
      assert.equal(account?.headers()['cache-control'], 'no-store');
      const app = page.locator('#connected-apps li.card');
      assert.equal(await app.count(), 1);
      assert.equal(await app.locator('.client-name').textContent(), 'Browser Agent');
      assert.equal(await app.locator('.unverified').textContent(), 'not verified');
      const scopes = await app.locator('.scopes li').allTextContents();
      assert.deepEqual(scopes, ['Create and delete your notes']);
      await page.screenshot({ path: join(OUTPUT, 'account-one-app.png'), fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      await page.screenshot({ path: join(OUTPUT, 'account-one-app-phone.png'), fullPage: true });
      // A string expression: the test is compiled without the DOM types.
      const overflow = await page.evaluate<boolean>(
        'document.documentElement.scrollWidth > document.documentElement.clientWidth',
      );
      assert.equal(overflow, false, 'no horizontal scrolling at phone width');
      await page.setViewportSize({ width: 1280, height: 800 });

      await Promise.all([
        page.waitForURL((url) => url.search === '?revoked=1'),
        page.getByRole('button', { name: 'Revoke access for Browser Agent' }).click(),
      ]);
      assert.ok(await page.locator('#no-apps').isVisible());
      assert.ok(await page.locator('#revoked-notice').isVisible());
      await page.screenshot({ path: join(OUTPUT, 'account-empty.png'), fullPage: true });
      assert.equal((await postMcp(t.url, access_token, { method: 'tools/list', params: {} })).status, 401);

      // The dev login is self-asserted; a real provider would have verified this address.
      await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = $1`, [EMAIL]);
      const admin = await page.goto(`${t.url}/admin/clients`);
      assert.equal(admin?.status(), 200);
      assert.equal(
        await page.locator(`[data-client-id="${client.client_id}"] .client-name`).textContent(),
        'Browser Agent',
      );
      await page.screenshot({ path: join(OUTPUT, 'admin-clients.png'), fullPage: true });
      for (const f of [
        'account-one-app.png',
        'account-one-app-phone.png',
        'account-empty.png',
        'admin-clients.png',
      ]) {
        assert.ok(existsSync(join(OUTPUT, f)), f);
      }
    } finally {
      await context.close();
    }
  });
});
