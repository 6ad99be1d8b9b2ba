import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loginUrlFor, safeReturnTo } from './return-to';

describe('safeReturnTo (no open redirect)', () => {
  it('keeps local paths with their query', () => {
    assert.equal(safeReturnTo('/'), '/');
    assert.equal(
      safeReturnTo('/oauth/authorize/continue?request_id=abc-123'),
      '/oauth/authorize/continue?request_id=abc-123',
    );
    assert.equal(safeReturnTo('/a/b?x=1&y=%2F%2Fz#frag'), '/a/b?x=1&y=%2F%2Fz#frag');
  });

  it('refuses absolute, scheme-relative and browser-normalised escapes', () => {
    for (const bad of [
      'https://evil.example/',
      'http:/evil.example',
      '//evil.example/path',
      '/\\evil.example',
      '/\\/evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'javascript:alert(1)',
      'evil.example',
      '',
      ' /x',
      '/'.padEnd(2049, 'a'),
      // dot segments that the URL parser resolves into a scheme-relative URL
      '/.//evil.example/x',
      '/..//evil.example',
      '/%2e//evil.example',
      '/a/..//evil.example',
    ]) {
      assert.equal(safeReturnTo(bad), '/', JSON.stringify(bad));
    }
  });

  it('refuses non-strings', () => {
    assert.equal(safeReturnTo(undefined), '/');
    assert.equal(safeReturnTo(['/a', '/b']), '/');
    assert.equal(safeReturnTo({}), '/');
  });

  it('builds the login URL with an encoded local path only', () => {
    assert.equal(
      loginUrlFor('/oauth/authorize/continue?request_id=r1'),
      '/login?return_to=%2Foauth%2Fauthorize%2Fcontinue%3Frequest_id%3Dr1',
    );
    assert.equal(loginUrlFor('https://evil.example/'), '/login');
    assert.equal(loginUrlFor('/'), '/login');
  });
});
