// MCP 2026-07-28 MRTR §Server Requirements 4-5: requestState is attacker-controlled input; the sealed
// state opens only for the same person, tool and arguments, before it expires, under a current or
// previous SESSION_SECRET.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REQUEST_STATE_TTL_MS, RequestStateSealer } from './request-state';

const binding = { userId: 'u1', tool: 'notes_delete', args: { id: 'n1', force: true } };

describe('RequestStateSealer', () => {
  const sealer = new RequestStateSealer(['a'.repeat(40)]);

  it('round-trips the state; argument key order does not matter', () => {
    const token = sealer.seal(binding, { step: 2, asked: ['x'] });
    assert.deepEqual(sealer.open(token, { ...binding, args: { force: true, id: 'n1' } }), {
      state: { step: 2, asked: ['x'] },
    });
  });

  it('refuses another person, another tool, other arguments, a tampered or expired state', () => {
    const now = Date.now();
    const token = sealer.seal(binding, 'secret-ish', now);
    assert.equal(sealer.open(token, { ...binding, userId: 'u2' }), undefined);
    assert.equal(sealer.open(token, { ...binding, tool: 'notes_get' }), undefined);
    assert.equal(sealer.open(token, { ...binding, args: { id: 'n2', force: true } }), undefined);
    assert.equal(sealer.open(`${token}A`, binding), undefined);
    const [body, mac] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), u: 'u2' }),
    );
    assert.equal(
      sealer.open(`${forged.toString('base64url')}.${mac}`, { ...binding, userId: 'u2' }),
      undefined,
    );
    assert.equal(sealer.open(token, binding, now + REQUEST_STATE_TTL_MS + 1), undefined);
    for (const junk of [undefined, 42, '', '.', 'x'.repeat(70_000)])
      assert.equal(sealer.open(junk, binding), undefined);
  });

  it('opens states sealed under the previous secret during a rollover; another key opens nothing', () => {
    const old = new RequestStateSealer(['o'.repeat(40)]).seal(binding, 1);
    assert.deepEqual(new RequestStateSealer(['n'.repeat(40), 'o'.repeat(40)]).open(old, binding), {
      state: 1,
    });
    assert.equal(new RequestStateSealer(['n'.repeat(40)]).open(old, binding), undefined);
  });
});
