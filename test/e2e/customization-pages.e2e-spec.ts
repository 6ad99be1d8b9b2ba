// Checks customization: brand the pages: PRODUCT_NAME, PRODUCT_LOGO_URL, PRIMARY_COLOR and
// SUPPORT_URL in the shared layout; a VIEWS_DIR template replaces the built-in login page (with the
// documented variables) while the consent page, absent from VIEWS_DIR, falls back to the built-in one.
// Requirements: UP-05 (the overridden page still carries the CSRF token), AS-REG-06 (consent unchanged).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError } from '@app/config';
import { loadAppConfig } from '../../apps/server/src/config-slices';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms } from '../support/http-session';
import { authorizeUrl, pkcePair, registerClient } from '../support/oauth-flow';
import { submitDevLoginForm } from '../support/sign-in';

const BRANDING = {
  PRODUCT_NAME: 'Acme AI Gateway',
  PRODUCT_LOGO_URL: 'https://cdn.acme.example/logo.svg',
  PRIMARY_COLOR: '#c2185b',
  SUPPORT_URL: 'mailto:it-help@acme.example',
};

/** A company's login.hbs: its own words, the documented variables, and the dev-login form kept working. */
const LOGIN_OVERRIDE = `<h1 data-testid="acme-login">Welcome to {{productName}}</h1>
{{#if clientName}}<p>Sign in to continue to <strong id="acme-client">{{clientName}}</strong>.</p>{{/if}}
<ul>{{#each providers}}<li><a href="{{href}}" data-provider="{{key}}">{{displayName}}</a></li>{{/each}}</ul>
{{#if devLogin}}
<form method="post" action="/auth/dev">
  <input type="hidden" name="csrf" value="{{csrf}}" />
  <input type="hidden" name="return_to" value="{{returnTo}}" />
  <input type="email" name="email" />
  <input type="text" name="name" />
  <button type="submit">Go</button>
</form>
{{/if}}
<p id="acme-title">{{title}}</p>`;

describe('Branded pages with a VIEWS_DIR override', () => {
  let app: TestApp;
  let viewsDir: string;

  before(async () => {
    viewsDir = mkdtempSync(join(tmpdir(), 'mcp-views-'));
    writeFileSync(join(viewsDir, 'login.hbs'), LOGIN_OVERRIDE);
    app = await startTestApp({ env: { ...BRANDING, VIEWS_DIR: viewsDir } });
  });

  after(async () => {
    await app?.close();
    rmSync(viewsDir, { recursive: true, force: true });
  });

  it('renders the login page from VIEWS_DIR inside the branded built-in layout', async () => {
    const session = new HttpSession(app.url);
    const page = await session.follow('/login');
    assert.equal(page.response.status, 200);
    assert.equal(page.response.headers.get('cache-control'), 'no-store');
    // The override ...
    assert.match(page.text, /<h1 data-testid="acme-login">Welcome to Acme AI Gateway<\/h1>/);
    assert.match(page.text, /<p id="acme-title">Sign in<\/p>/);
    assert.doesNotMatch(page.text, /Dev login/, 'the built-in login template is not used');
    // ... inside the layout with the branding settings.
    assert.match(page.text, /<title>Sign in · Acme AI Gateway<\/title>/);
    assert.match(
      page.text,
      /<img src='https:\/\/cdn\.acme\.example\/logo\.svg' alt='' id='product-logo' \/>/,
    );
    assert.match(page.text, /--accent: #c2185b;/);
    assert.match(page.text, /<a href='mailto:it-help@acme\.example' id='support-link'>Help<\/a>/);
    const form = parseForms(page.text).find((f) => f.action === '/auth/dev');
    assert.match(form?.fields.csrf ?? '', /^[A-Za-z0-9_-]{43}$/, 'the CSRF token variable is filled');
  });

  it('signs in through the overridden page; the consent page falls back to the built-in template', async () => {
    const client = await registerClient(app.url, { client_name: 'Branded Client' });
    const session = new HttpSession(app.url);
    const { challenge } = pkcePair();
    const login = await session.follow(
      authorizeUrl(app.url, {
        client_id: client.client_id,
        code_challenge: challenge,
        state: 's1',
      }),
    );
    assert.equal(new URL(login.url).pathname, '/login');
    assert.match(login.text, /<strong id="acme-client">Branded Client<\/strong>/, 'clientName variable');
    const consent = await submitDevLoginForm(session, login, { email: 'brand@acme.example' });
    assert.equal(consent.response.status, 200);
    // Built-in consent.hbs (libs/oauth/src/views): its ids and wording, in the branded layout.
    assert.match(consent.text, /<strong id="client-name">Branded Client<\/strong>/);
    assert.match(consent.text, /<span class="badge" id="unverified">Not verified<\/span>/);
    assert.match(
      consent.text,
      /<title>Allow Branded Client to access your account\? · Acme AI Gateway<\/title>/,
    );
    assert.match(consent.text, /--accent: #c2185b;/);
    assert.match(consent.text, /id='support-link'/);
    const decision = parseForms(consent.text).find((f) => f.action === '/oauth/authorize/decision');
    assert.ok(decision?.fields.csrf_token, 'the built-in consent form');
  });

  it('an error page without an override uses the built-in one, branded', async () => {
    const res = await fetch(`${app.url}/oauth/authorize?client_id=nope&response_type=code`);
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.match(text, /<code id="error-code">invalid_client<\/code>/);
    assert.match(text, /<span id='product-name'>Acme AI Gateway<\/span>/);
  });
});

describe('Without branding settings', () => {
  it('keeps the default layout: no logo, no colour override, no support link', async () => {
    const app = await startTestApp();
    try {
      const text = await (await fetch(`${app.url}/login`)).text();
      assert.match(text, /<span id='product-name'>MCP Auth Server<\/span>/);
      assert.doesNotMatch(text, /product-logo|support-link|--accent: #(?!0b57d0)/);
      assert.match(text, /Dev login/, 'the built-in login page');
    } finally {
      await app.close();
    }
  });
});

describe('Branding validation', () => {
  const refused = (env: Record<string, string>): string[] => {
    try {
      loadAppConfig(env);
    } catch (error) {
      assert.ok(error instanceof ConfigValidationError);
      return [...error.problems];
    }
    return [];
  };

  it('accepts only a strict hex colour, so nothing can be injected into the style block', () => {
    for (const bad of ['red', '#12345', '#0b57d0;}body{display:none', 'url(https://x)', 'var(--x)']) {
      assert.match(refused({ PRIMARY_COLOR: bad }).join(), /PRIMARY_COLOR must be a hex colour/, bad);
    }
    assert.equal(loadAppConfig({ PRIMARY_COLOR: '#06C' }).branding.primaryColor, '#06C');
  });

  it('accepts only https:// logos and https:// or mailto: support links', () => {
    for (const bad of [
      'http://cdn.example/logo.png',
      'data:image/png;base64,AAAA',
      'javascript:alert(1)',
      "https://x/'onerror=1",
    ]) {
      assert.match(refused({ PRODUCT_LOGO_URL: bad }).join(), /PRODUCT_LOGO_URL must be an https/, bad);
    }
    for (const bad of ['javascript:alert(1)', 'http://help.example', 'https://x/"><script>']) {
      assert.match(refused({ SUPPORT_URL: bad }).join(), /SUPPORT_URL must be an https/, bad);
    }
  });

  it('refuses a VIEWS_DIR that is not a folder', () => {
    assert.match(
      refused({ VIEWS_DIR: '/nonexistent/views' }).join(),
      /VIEWS_DIR "\/nonexistent\/views" is not a folder/,
    );
  });
});
