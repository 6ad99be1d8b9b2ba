import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RevocationNotice } from '../repositories/sql';
import type { AccessTokenRecord, AccessTokenRepository } from '../repositories/access-token.repository';
import { AccessTokenVerifierService } from './access-token-verifier.service';
import type { RevocationListener } from './revocation-listener';

const AUD = 'https://mcp.example.com/mcp';
const TOKEN = `mcp_at_${'a'.repeat(43)}`;

function setup(record: Partial<AccessTokenRecord> | null, healthy = true) {
  let lookups = 0;
  let current: AccessTokenRecord | null = record && {
    id: 't1',
    grantId: 'g1',
    clientId: 'c1',
    userId: 'u1',
    scopes: ['notes:read'],
    audience: AUD,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    revoked: false,
    ...record,
  };
  const subscribers: ((n: RevocationNotice | 'resync') => void)[] = [];
  const listener = {
    healthy,
    subscribe: (s: (n: RevocationNotice | 'resync') => void) => subscribers.push(s),
  };
  const repo = {
    findAccessToken: async () => {
      lookups++;
      return current && { ...current };
    },
  };
  const verifier = new AccessTokenVerifierService(
    repo as unknown as AccessTokenRepository,
    listener as unknown as RevocationListener,
  );
  return {
    verifier,
    lookups: () => lookups,
    set: (patch: Partial<AccessTokenRecord>) => (current = { ...current!, ...patch }),
    notify: (n: RevocationNotice | 'resync') => subscribers.forEach((s) => s(n)),
  };
}

describe('AccessTokenVerifierService (RS-TOK-02..05)', () => {
  it('missing / not ours / unknown', async () => {
    const { verifier } = setup(null);
    assert.deepEqual(await verifier.verify(undefined, AUD), { ok: false, reason: 'missing' });
    assert.deepEqual(await verifier.verify('eyJhbGciOi...', AUD), { ok: false, reason: 'invalid' });
    assert.deepEqual(await verifier.verify(TOKEN, AUD), { ok: false, reason: 'invalid' });
  });
  it('valid; audience compared with a trailing slash tolerated; another audience refused', async () => {
    const { verifier } = setup({});
    const ok = await verifier.verify(TOKEN, AUD);
    assert.equal(ok.ok, true);
    assert.equal((await verifier.verify(TOKEN, `${AUD}/`)).ok, true);
    assert.deepEqual(await verifier.verify(TOKEN, 'https://other.example/mcp'), {
      ok: false,
      reason: 'wrong_audience',
    });
  });
  it('expired and revoked', async () => {
    assert.deepEqual(await setup({ expiresAt: new Date(Date.now() - 1) }).verifier.verify(TOKEN, AUD), {
      ok: false,
      reason: 'expired',
    });
    assert.deepEqual(await setup({ revoked: true }).verifier.verify(TOKEN, AUD), {
      ok: false,
      reason: 'revoked',
    });
  });
  it('caches while the listener is healthy, and forgets on a grant/token/client notice or a resync', async () => {
    const s = setup({});
    await s.verifier.verify(TOKEN, AUD);
    await s.verifier.verify(TOKEN, AUD);
    assert.equal(s.lookups(), 1);
    s.set({ revoked: true });
    for (const notice of [
      { kind: 'grant', id: 'g1' },
      { kind: 'token', id: 't1' },
      { kind: 'client', id: 'c1' },
      'resync',
    ] as const) {
      s.set({ revoked: false });
      await s.verifier.verify(TOKEN, AUD); // re-cache
      s.set({ revoked: true });
      s.notify(notice);
      assert.deepEqual(
        await s.verifier.verify(TOKEN, AUD),
        { ok: false, reason: 'revoked' },
        JSON.stringify(notice),
      );
    }
  });
  it('an unrelated notice keeps the entry', async () => {
    const s = setup({});
    await s.verifier.verify(TOKEN, AUD);
    s.notify({ kind: 'grant', id: 'other' });
    await s.verifier.verify(TOKEN, AUD);
    assert.equal(s.lookups(), 1);
  });
  it('does not cache while the listener is down', async () => {
    const s = setup({}, false);
    await s.verifier.verify(TOKEN, AUD);
    await s.verifier.verify(TOKEN, AUD);
    assert.equal(s.lookups(), 2);
  });
});
