import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCipher, type SealContext } from './token-cipher';

const alice: SealContext = {
  userId: '11111111-1111-4111-8111-111111111111',
  provider: 'github',
  field: 'access',
};

describe('TokenCipher (UP-12)', () => {
  const key = randomBytes(32);

  it('round-trips, and never stores the plaintext', () => {
    const cipher = new TokenCipher(key);
    const sealed = cipher.seal('gho_secret-token-value', alice);
    assert.equal(sealed.includes(Buffer.from('gho_secret-token-value')), false);
    assert.equal(cipher.open(sealed, alice), 'gho_secret-token-value');
    // A fresh IV each time: the same token seals differently.
    assert.notDeepEqual(cipher.seal('gho_secret-token-value', alice), sealed);
  });

  it('binds the row identity as AAD: another user, provider or field does not open', () => {
    const cipher = new TokenCipher(key);
    const sealed = cipher.seal('token', alice);
    assert.equal(cipher.open(sealed, { ...alice, userId: '22222222-2222-4222-8222-222222222222' }), null);
    assert.equal(cipher.open(sealed, { ...alice, provider: 'google' }), null);
    assert.equal(cipher.open(sealed, { ...alice, field: 'refresh' }), null);
  });

  it('refuses a tampered value (any byte) and a truncated or unknown-format one', () => {
    const cipher = new TokenCipher(key);
    const sealed = cipher.seal('token', alice);
    for (const at of [1, 13, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] ^= 0x01;
      assert.equal(cipher.open(bad, alice), null, `byte ${at}`);
    }
    assert.equal(cipher.open(sealed.subarray(0, 20), alice), null);
    const otherFormat = Buffer.from(sealed);
    otherFormat[0] = 2;
    assert.equal(cipher.open(otherFormat, alice), null);
  });

  it('rotates: the previous key still opens, new values use the current key, an unknown key does not', () => {
    const old = randomBytes(32);
    const sealedBefore = new TokenCipher(old).seal('token', alice);
    const rotated = new TokenCipher(key, [old]);
    assert.equal(rotated.open(sealedBefore, alice), 'token');
    assert.equal(rotated.needsReseal(sealedBefore, alice), true);
    const sealedAfter = rotated.seal('token', alice);
    assert.equal(rotated.needsReseal(sealedAfter, alice), false);
    assert.equal(new TokenCipher(key).open(sealedAfter, alice), 'token');
    assert.equal(new TokenCipher(old).open(sealedAfter, alice), null);
    assert.equal(new TokenCipher(randomBytes(32)).open(sealedBefore, alice), null);
  });

  it('accepts only 32-byte keys; the development key is derived deterministically', () => {
    assert.throws(() => new TokenCipher(randomBytes(16)), /32 bytes/);
    const a = TokenCipher.derivedKey('a-session-secret-of-at-least-32-characters');
    assert.equal(a.length, 32);
    assert.deepEqual(TokenCipher.derivedKey('a-session-secret-of-at-least-32-characters'), a);
    assert.notDeepEqual(TokenCipher.derivedKey('another-session-secret-of-32-characters!'), a);
  });
});
