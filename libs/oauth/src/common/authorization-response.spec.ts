import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationResponseUrl } from './oauth-error.filters';
import { toWireError } from './oauth-errors';

describe('authorizationResponseUrl (RFC 6749 §4.1.2, RFC 9207 §2)', () => {
  it('keeps the registered query and adds the response parameters and iss', () => {
    const url = new URL(
      authorizationResponseUrl('https://app.example/cb?tenant=7', 'https://as.example', {
        code: 'c',
        state: 's',
      }),
    );
    assert.equal(url.searchParams.get('tenant'), '7');
    assert.equal(url.searchParams.get('code'), 'c');
    assert.equal(url.searchParams.get('state'), 's');
    assert.deepEqual(url.searchParams.getAll('iss'), ['https://as.example']);
  });
  it('a URI registered with its own iss/code/state/error: exactly one of each in the response', () => {
    const url = new URL(
      authorizationResponseUrl(
        'https://app.example/cb?iss=https://evil.example&code=x&state=y&error=z&keep=1',
        'https://as.example',
        { error: 'access_denied', state: 's' },
      ),
    );
    assert.deepEqual(url.searchParams.getAll('iss'), ['https://as.example']);
    assert.deepEqual(url.searchParams.getAll('error'), ['access_denied']);
    assert.deepEqual(url.searchParams.getAll('state'), ['s']);
    assert.deepEqual(url.searchParams.getAll('code'), []);
    assert.equal(url.searchParams.get('keep'), '1');
  });
});

describe('toWireError: PostgreSQL refusing a value is the fault of the request', () => {
  it('22021 / 22P05 / 22003 → 400 invalid_request, never server_error', () => {
    for (const code of ['22021', '22P05', '22003']) {
      const wire = toWireError(Object.assign(new Error('refused'), { code }));
      assert.equal(wire.status, 400, code);
      assert.equal(wire.body.error, 'invalid_request');
    }
    assert.equal(toWireError(new TypeError('bug')).status, 500);
  });
});
