import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { digest } from '../common/secrets';
import { OAuthClientEntity } from '../entities/oauth-client.entity';
import type { ClientRepository } from '../repositories/client.repository';
import type { RevocationNotice } from '../repositories/sql';
import type { RevocationListener } from '../verification/revocation-listener';
import { CLIENT_CACHE_MAX_ENTRIES, CLIENT_CACHE_TTL_MS, ClientCache } from './client-cache';

let clock = 1_000_000;

function clientRow(clientId: string, secret = 'mcp_cs_original'): OAuthClientEntity {
  return Object.assign(new OAuthClientEntity(), {
    clientId,
    clientSecretHash: digest(secret),
    clientSecretExpiresAt: null,
    registrationTokenHash: digest('mcp_rat_x'),
    tokenEndpointAuthMethod: 'client_secret_basic',
    redirectUris: ['https://app.example/cb'],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    clientName: 'App',
    contacts: ['ops@app.example'],
    createdVia: 'dcr',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    lastUsedAt: null,
    disabledAt: null,
  });
}

/** The table: every read is a fresh object, like rows hydrated from PostgreSQL. */
class FakeClients {
  readonly rows = new Map<string, OAuthClientEntity>();
  reads = 0;
  /** When set, a read waits for it (a statement in flight). */
  gate: Promise<void> | undefined;

  async findWithSecrets(clientId: string): Promise<OAuthClientEntity | null> {
    this.reads++;
    const row = this.rows.get(clientId);
    // The row as the statement saw it when it ran, before the gate (the answer travelling back).
    const snapshot = row ? hydrated(row) : null;
    if (this.gate) await this.gate;
    return snapshot;
  }
}

function hydrated(row: OAuthClientEntity): OAuthClientEntity {
  const copy = Object.assign(new OAuthClientEntity(), row);
  for (const key of Object.keys(copy) as (keyof OAuthClientEntity)[]) {
    const value = copy[key];
    if (Array.isArray(value)) Object.assign(copy, { [key]: [...(value as unknown[])] });
    else if (Buffer.isBuffer(value)) Object.assign(copy, { [key]: Buffer.from(value) });
    else if (value instanceof Date) Object.assign(copy, { [key]: new Date(value) });
  }
  return copy;
}

class FakeListener {
  healthy = true;
  private readonly subscribers = new Set<(notice: RevocationNotice | 'resync') => void>();
  subscribe(subscriber: (notice: RevocationNotice | 'resync') => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }
  emit(notice: RevocationNotice | 'resync'): void {
    for (const s of this.subscribers) s(notice);
  }
}

function setup() {
  const clients = new FakeClients();
  const listener = new FakeListener();
  const cache = new ClientCache(
    clients as unknown as ClientRepository,
    listener as unknown as RevocationListener,
  );
  clients.rows.set('mcpc_a', clientRow('mcpc_a'));
  clients.rows.set('mcpc_b', clientRow('mcpc_b'));
  return { clients, listener, cache };
}

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('ClientCache: client rows per replica, dropped by client notices (LB-06)', () => {
  beforeEach(() => {
    clock = 1_000_000;
    mock.method(performance, 'now', () => clock);
  });
  afterEach(() => mock.restoreAll());

  it('reads a client once, then serves it from the cache', async () => {
    const { clients, cache } = setup();
    const first = await cache.findWithSecrets('mcpc_a');
    const second = await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 1);
    assert.deepEqual(second, first);
    assert.ok(second instanceof OAuthClientEntity);
    assert.ok(second.clientSecretHash?.equals(digest('mcp_cs_original')));
    await cache.findWithSecrets('mcpc_b');
    assert.equal(clients.reads, 2, 'another client is another entry');
  });

  it('gives copies: what a caller changes (client authentication blanks the digests) never reaches the cache', async () => {
    const { clients, cache } = setup();
    const pristine = clientRow('mcpc_a');
    const mutate = (c: OAuthClientEntity) => {
      c.clientSecretHash = null;
      c.registrationTokenHash?.fill(0);
      c.tokenEndpointAuthMethod = 'none';
      c.redirectUris.push('https://evil.example/cb');
      c.grantTypes.length = 0;
      c.createdAt.setTime(0);
    };
    mutate((await cache.findWithSecrets('mcpc_a'))!); // the read that fills the cache
    mutate((await cache.findWithSecrets('mcpc_a'))!); // a cache hit
    const third = await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 1);
    assert.deepEqual(third, pristine);
    assert.notEqual(third, await cache.findWithSecrets('mcpc_a'), 'a new object every time');
  });

  it('a client notice for that client drops it; notices for other clients, grants or tokens do not', async () => {
    const { clients, listener, cache } = setup();
    await cache.findWithSecrets('mcpc_a');
    await cache.findWithSecrets('mcpc_b');
    listener.emit({ kind: 'client', id: 'mcpc_b' });
    listener.emit({ kind: 'grant', id: 'mcpc_a' });
    listener.emit({ kind: 'token', id: 'mcpc_a' });
    await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 2, 'mcpc_a still cached');
    listener.emit({ kind: 'client', id: 'mcpc_a' });
    clients.rows.set('mcpc_a', clientRow('mcpc_a', 'mcp_cs_rotated'));
    const after = await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 3);
    assert.ok(after?.clientSecretHash?.equals(digest('mcp_cs_rotated')), 'the new secret');
  });

  it("'resync' (the listener reconnected after a gap) empties the cache", async () => {
    const { clients, listener, cache } = setup();
    await cache.findWithSecrets('mcpc_a');
    await cache.findWithSecrets('mcpc_b');
    listener.emit('resync');
    await cache.findWithSecrets('mcpc_a');
    await cache.findWithSecrets('mcpc_b');
    assert.equal(clients.reads, 4);
  });

  it('while the listener is unhealthy every call reads the database and nothing is kept', async () => {
    const { clients, listener, cache } = setup();
    await cache.findWithSecrets('mcpc_a'); // cached while healthy
    listener.healthy = false;
    clients.rows.delete('mcpc_a'); // deleted while notices could not arrive
    assert.equal(await cache.findWithSecrets('mcpc_a'), null, 'not the cached row');
    await cache.findWithSecrets('mcpc_b');
    await cache.findWithSecrets('mcpc_b');
    assert.equal(clients.reads, 4);
    listener.healthy = true;
    await cache.findWithSecrets('mcpc_b');
    assert.equal(clients.reads, 5, 'nothing was stored while unhealthy');
  });

  it('a read during which the listener went unhealthy is not kept', async () => {
    const { clients, listener, cache } = setup();
    const g = gate();
    clients.gate = g.promise;
    const reading = cache.findWithSecrets('mcpc_a');
    listener.healthy = false;
    g.open();
    assert.equal((await reading)?.clientId, 'mcpc_a');
    clients.gate = undefined;
    listener.healthy = true;
    await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 2);
  });

  for (const notice of [{ kind: 'client', id: 'mcpc_a' } as const, 'resync' as const]) {
    it(`a read in flight when ${JSON.stringify(notice)} arrives is returned but not kept`, async () => {
      const { clients, listener, cache } = setup();
      const g = gate();
      clients.gate = g.promise;
      const reading = cache.findWithSecrets('mcpc_a'); // sees the old row...
      clients.rows.set('mcpc_a', clientRow('mcpc_a', 'mcp_cs_rotated'));
      listener.emit(notice); // ...and the change commits before its answer arrives
      g.open();
      assert.ok((await reading)?.clientSecretHash?.equals(digest('mcp_cs_original')));
      clients.gate = undefined;
      const next = await cache.findWithSecrets('mcpc_a');
      assert.equal(clients.reads, 2, 'the raced read was not stored');
      assert.ok(next?.clientSecretHash?.equals(digest('mcp_cs_rotated')));
      await cache.findWithSecrets('mcpc_a');
      assert.equal(clients.reads, 2, 'the read after the notice is stored');
    });
  }

  it('an unknown (or disabled) client is not cached: once registered or enabled it is found at once', async () => {
    const { clients, cache } = setup();
    assert.equal(await cache.findWithSecrets('mcpc_new'), null);
    clients.rows.set('mcpc_new', clientRow('mcpc_new'));
    assert.equal((await cache.findWithSecrets('mcpc_new'))?.clientId, 'mcpc_new');
    assert.equal(clients.reads, 2);
  });

  it(`trusts a row for ${CLIENT_CACHE_TTL_MS} ms at most, even without a notice`, async () => {
    const { clients, cache } = setup();
    await cache.findWithSecrets('mcpc_a');
    clock += CLIENT_CACHE_TTL_MS - 1;
    await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 1);
    clock += 1;
    await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 2);
    await cache.findWithSecrets('mcpc_a');
    assert.equal(clients.reads, 2, 'the fresh read is kept anew');
  });

  it(`keeps at most ${CLIENT_CACHE_MAX_ENTRIES} clients`, async () => {
    const { clients, cache } = setup();
    for (let i = 0; i <= CLIENT_CACHE_MAX_ENTRIES; i++) {
      clients.rows.set(`mcpc_${i}`, clientRow(`mcpc_${i}`));
      await cache.findWithSecrets(`mcpc_${i}`);
    }
    const entries = (cache as unknown as { entries: Map<string, unknown> }).entries;
    assert.ok(entries.size <= CLIENT_CACHE_MAX_ENTRIES && entries.size > 0, `${entries.size} entries`);
  });
});
