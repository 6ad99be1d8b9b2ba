// RFC 6750 §2.1 / RFC 9110 §11.4: the one bearer credentials rule of /mcp, the admin API and client
// configuration (scheme case, separators, the b64token character set).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, MALFORMED_BEARER, NO_BEARER } from './bearer-credentials';

describe('bearerToken', () => {
  it('reads one b64token after the scheme, whatever the scheme case and however many spaces', () => {
    for (const [header, token] of [
      ['Bearer abc', 'abc'],
      ['bearer abc', 'abc'],
      ['BEARER abc', 'abc'],
      ['Bearer   abc', 'abc'],
      ['Bearer mcp_at_A-._~+/9==', 'mcp_at_A-._~+/9=='],
      ['Bearer a=', 'a='],
    ]) {
      assert.equal(bearerToken(header), token, header);
    }
  });

  it('no credentials, or another scheme, is "no bearer" (RFC 6750 §3.1: no error code)', () => {
    for (const header of [undefined, '', 'Basic abc', 'Bearerx abc', 'Token abc', 'DPoP abc']) {
      assert.equal(bearerToken(header), NO_BEARER, String(header));
    }
  });

  it('the Bearer scheme with anything but one b64token is malformed', () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer\tabc',
      'Bearer a b',
      'Bearer a,b',
      'Bearer "quoted"',
      'Bearer =abc',
      'Bearer a=b',
      'Bearer abc ',
      'Bearer ab\u00e9',
      'Bearer a%20b',
    ]) {
      assert.equal(bearerToken(header), MALFORMED_BEARER, JSON.stringify(header));
    }
  });
});
