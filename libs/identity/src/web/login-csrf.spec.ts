import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { loadConfig } from '@app/config';
import { IdentityCookies } from './identity-cookies';
import { LoginCsrf } from './login-csrf';

const config = loadConfig({
  NODE_ENV: 'test',
  SESSION_SECRET: 'unit-test-secret-0123456789abcdef0123456789',
});
const cookies = new IdentityCookies(config);
const csrf = new LoginCsrf(config, cookies);

function browser() {
  const jar: Record<string, string> = {};
  const req = { cookies: jar } as unknown as Request;
  const res = {
    cookie: (name: string, value: string) => {
      jar[name] = value;
    },
  } as unknown as Response;
  return { req, res, jar };
}

describe('LoginCsrf (signed double-submit)', () => {
  it('issues a token bound to the browser seed and accepts only it', () => {
    const a = browser();
    const token = csrf.tokenFor(a.req, a.res);
    assert.match(a.jar.mcp_csrf, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(token, a.jar.mcp_csrf);
    assert.equal(csrf.tokenFor(a.req, a.res), token, 'stable for one browser');
    assert.equal(csrf.verify(a.req, token), true);

    const b = browser();
    csrf.tokenFor(b.req, b.res);
    assert.equal(csrf.verify(b.req, token), false, "another browser's token");
    assert.equal(csrf.verify(browser().req, token), false, 'no seed cookie');
    assert.equal(csrf.verify(a.req, a.jar.mcp_csrf), false, 'the seed itself is not the token');
    assert.equal(csrf.verify(a.req, undefined), false);
    assert.equal(csrf.verify(a.req, ['x']), false);
  });

  it('depends on SESSION_SECRET', () => {
    const a = browser();
    const token = csrf.tokenFor(a.req, a.res);
    const other = new LoginCsrf(
      loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'another-secret-0123456789abcdef0123456789' }),
      cookies,
    );
    assert.equal(other.verify(a.req, token), false);
  });
});

describe('LoginCsrf during a SESSION_SECRET rollover', () => {
  const oldSecret = 'the-old-session-secret-0123456789abcdef0123';
  const newSecret = 'the-new-session-secret-0123456789abcdef0123';
  const before = new LoginCsrf(loadConfig({ NODE_ENV: 'test', SESSION_SECRET: oldSecret }), cookies);
  const during = new LoginCsrf(
    loadConfig({ NODE_ENV: 'test', SESSION_SECRET: newSecret, SESSION_SECRET_PREVIOUS: oldSecret }),
    cookies,
  );
  const after = new LoginCsrf(loadConfig({ NODE_ENV: 'test', SESSION_SECRET: newSecret }), cookies);

  it('accepts a form signed with the previous secret while SESSION_SECRET_PREVIOUS is set', () => {
    const a = browser();
    const oldToken = before.tokenFor(a.req, a.res);
    assert.equal(during.verify(a.req, oldToken), true, 'rendered before the switch, posted after');
    assert.equal(after.verify(a.req, oldToken), false, 'refused once the previous secret is removed');
  });

  it('signs new tokens with the current secret only', () => {
    const a = browser();
    const token = during.tokenFor(a.req, a.res);
    assert.equal(after.verify(a.req, token), true, 'signed with SESSION_SECRET');
    assert.equal(before.verify(a.req, token), false, 'not with SESSION_SECRET_PREVIOUS');
  });

  it('still refuses a token of another browser or another key', () => {
    const a = browser();
    const b = browser();
    const token = before.tokenFor(a.req, a.res);
    during.tokenFor(b.req, b.res);
    assert.equal(during.verify(b.req, token), false);
    const stranger = new LoginCsrf(
      loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'a-third-secret-0123456789abcdef0123456789' }),
      cookies,
    );
    assert.equal(during.verify(a.req, stranger.tokenFor(a.req, a.res)), false);
  });
});
