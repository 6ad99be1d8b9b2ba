import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidCodeVerifier, isValidS256Challenge, s256 } from './pkce';

describe('PKCE S256 (RFC 7636, AS-PK-01/02)', () => {
  it('computes the RFC 7636 Appendix B example', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    assert.equal(s256(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.ok(isValidCodeVerifier(verifier));
    assert.ok(isValidS256Challenge(s256(verifier)));
  });
  it('refuses verifiers that are too short, too long or use other characters', () => {
    assert.equal(isValidCodeVerifier('a'.repeat(42)), false);
    assert.equal(isValidCodeVerifier('a'.repeat(129)), false);
    assert.equal(isValidCodeVerifier('a'.repeat(42) + '+'), false);
    assert.equal(isValidCodeVerifier('a'.repeat(128)), true);
  });
  it('refuses challenges that are not 43 base64url characters', () => {
    assert.equal(isValidS256Challenge('a'.repeat(44)), false);
    assert.equal(isValidS256Challenge('a'.repeat(42) + '='), false);
  });
});
