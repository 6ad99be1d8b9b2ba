import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidClientError, InvalidRequestError } from '../common/oauth-errors';
import { paramReader } from '../common/params';
import { presentedCredentials } from './client-authenticator';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('presentedCredentials (RFC 6749 §2.3)', () => {
  it('client_secret_basic, with form-urlencoded id and secret (§2.3.1)', () => {
    const c = presentedCredentials(basic('my%2Fclient', 'p%3Aw%2Bd'), paramReader({}));
    assert.deepEqual(c, {
      method: 'client_secret_basic',
      clientId: 'my/client',
      secret: 'p:w+d',
      usedBasic: true,
    });
  });
  it('refuses decoded Basic credentials with spaces or control characters (RFC 6749 Appendix A)', () => {
    for (const [id, secret] of [
      ['my%20client', 's'],
      ['a%00b', 's'],
      ['a', 'p+w'],
      ['a', 'x%0D%0Ay'],
    ]) {
      assert.throws(() => presentedCredentials(basic(id, secret), paramReader({})), InvalidRequestError);
    }
  });
  it('client_secret_post', () => {
    assert.deepEqual(presentedCredentials(undefined, paramReader({ client_id: 'a', client_secret: 's' })), {
      method: 'client_secret_post',
      clientId: 'a',
      secret: 's',
      usedBasic: false,
    });
  });
  it('none', () => {
    assert.deepEqual(presentedCredentials(undefined, paramReader({ client_id: 'a' })), {
      method: 'none',
      clientId: 'a',
      usedBasic: false,
    });
  });
  it('nothing → invalid_client', () =>
    assert.throws(() => presentedCredentials(undefined, paramReader({})), InvalidClientError));
  it('two methods at once → invalid_request', () =>
    assert.throws(
      () => presentedCredentials(basic('a', 's'), paramReader({ client_secret: 's' })),
      InvalidRequestError,
    ));
  it('a body client_id that differs from Basic → invalid_request', () =>
    assert.throws(
      () => presentedCredentials(basic('a', 's'), paramReader({ client_id: 'b' })),
      InvalidRequestError,
    ));
  it('malformed Basic or another scheme → invalid_client with the Basic challenge', () => {
    for (const h of [
      'Basic !!!',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
      'Bearer abc',
      'Basic ',
    ]) {
      assert.throws(
        () => presentedCredentials(h, paramReader({})),
        (e: unknown) => e instanceof InvalidClientError && e.usedBasic,
      );
    }
  });
});
