import { hkdfSync } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  constantTimeEqual,
  digest,
  graceKey,
  newSecret,
  openWithSecret,
  randomFromPool,
  sealWithSecret,
  secretMatches,
} from './secrets';

describe('secrets (docs/architecture.md C5)', () => {
  it('are 256-bit random values with a recognisable prefix', () => {
    const a = newSecret('accessToken');
    assert.match(a, /^mcp_at_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newSecret('accessToken'), a);
    assert.match(newSecret('refreshToken'), /^mcp_rt_/);
    assert.match(newSecret('authorizationCode'), /^mcp_ac_/);
    assert.match(newSecret('clientSecret'), /^mcp_cs_/);
    assert.match(newSecret('registrationAccessToken'), /^mcp_rat_/);
  });
  it('are compared with their stored SHA-256 digest', () => {
    const s = newSecret('clientSecret');
    assert.equal(digest(s).length, 32);
    assert.equal(secretMatches(s, digest(s)), true);
    assert.equal(secretMatches(`${s}x`, digest(s)), false);
    assert.equal(secretMatches(s, null), false);
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
  });
  it('seal under a key only the presented secret yields (not its digest)', () => {
    const token = newSecret('refreshToken');
    const sealed = sealWithSecret(token, 'row-1', '{"access_token":"x"}');
    assert.equal(openWithSecret(token, 'row-1', sealed), '{"access_token":"x"}');
    assert.equal(openWithSecret(newSecret('refreshToken'), 'row-1', sealed), null);
    assert.equal(openWithSecret(token, 'row-2', sealed), null, 'bound to its row');
    assert.equal(openWithSecret(digest(token).toString('hex'), 'row-1', sealed), null);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    assert.equal(openWithSecret(token, 'row-1', tampered), null);
  });
  it('derive the sealing key with HKDF-SHA256 exactly as crypto.hkdfSync does (RFC 5869)', () => {
    for (const [secret, context] of [
      [newSecret('refreshToken'), '6f1c1d0e-4f55-4bde-9d0f-3a1a7c2b9e10'],
      ['', ''],
      ['ünïcødé', 'x'.repeat(300)],
    ]) {
      const expected = Buffer.from(hkdfSync('sha256', secret, 'mcp-refresh-grace', context, 32));
      assert.deepEqual(graceKey(secret, context), expected);
    }
  });
  it('random bytes from the pool: never the same twice, across refills, and any size', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(randomFromPool(32).toString('hex')); // ~8 refills
    assert.equal(seen.size, 1000);
    assert.equal(randomFromPool(12).length, 12);
    assert.equal(randomFromPool(10_000).length, 10_000);
    const secrets = new Set(Array.from({ length: 500 }, () => newSecret('accessToken')));
    assert.equal(secrets.size, 500);
    for (const secret of secrets) assert.match(secret, /^mcp_at_[A-Za-z0-9_-]{43}$/);
  });
});
