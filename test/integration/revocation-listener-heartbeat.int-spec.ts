// Checks LB-06 (revocations reach every replica's caches): a LISTEN connection that goes silent without
// an error — a partition or a failover leaving the socket half-open — is caught by the heartbeat: the
// listener turns unhealthy (caches stop being trusted), subscribers resync, and it reconnects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { RevocationListener } from '../../libs/oauth/src/verification/revocation-listener';
import { REVOCATION_CHANNEL } from '../../libs/oauth/src/repositories/sql';
import { createTestDatabase, type TestDatabase } from '../support/database';

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('RevocationListener heartbeat (silent LISTEN connection)', () => {
  let db: TestDatabase;
  let proxy: net.Server;
  const sockets = new Set<net.Socket>();
  /** While true the proxy keeps every socket open but passes no byte, like a network partition. */
  let frozen = false;
  let proxiedUrl: string;

  before(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = net.createServer((downstream) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [downstream, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      downstream.on('data', (d: Buffer) => !frozen && upstream.write(d));
      upstream.on('data', (d: Buffer) => !frozen && downstream.write(d));
      downstream.on('close', () => upstream.destroy());
      upstream.on('close', () => downstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String((proxy.address() as net.AddressInfo).port);
    proxiedUrl = url.toString();
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
    await db.drop();
  });

  const notify = async (id: string) => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('SELECT pg_notify($1, $2)', [
      REVOCATION_CHANNEL,
      JSON.stringify({ kind: 'grant', id }),
    ]);
    await client.end();
  };

  it('a frozen connection is dropped within two heartbeats; subscribers resync; it reconnects and hears again', async () => {
    const listener = new RevocationListener({ options: { url: proxiedUrl } } as unknown as DataSource);
    listener.heartbeatMs = 200;
    const heard: string[] = [];
    listener.subscribe((n) => heard.push(n === 'resync' ? 'resync' : `${n.kind}:${n.id}`));
    await listener.onModuleInit();
    try {
      assert.equal(listener.healthy, true);
      await notify('before');
      await until(() => heard.includes('grant:before'), 2000, 'the first notice');
      const resyncsBefore = heard.filter((h) => h === 'resync').length;

      frozen = true; // no error, no close: only silence
      const noticedAfter = await until(() => !listener.healthy, 3000, 'the listener to notice the silence');
      assert.ok(noticedAfter <= 1000, `noticed after ${noticedAfter} ms (heartbeat 200 ms)`);
      assert.equal(heard.filter((h) => h === 'resync').length, resyncsBefore + 1, 'caches told to resync');

      // A notice sent during the partition is missed; after it, the listener is back and hears again.
      await notify('during');
      frozen = false;
      await until(() => listener.healthy, 15_000, 'the listener to reconnect');
      assert.ok(heard.filter((h) => h === 'resync').length >= resyncsBefore + 2, 'resync after reconnect');
      await notify('after');
      await until(() => heard.includes('grant:after'), 2000, 'a notice after reconnecting');
      assert.ok(!heard.includes('grant:during'));
    } finally {
      await listener.onModuleDestroy();
    }
  });

  it('a live connection stays healthy across many heartbeats', async () => {
    const listener = new RevocationListener({ options: { url: proxiedUrl } } as unknown as DataSource);
    listener.heartbeatMs = 100;
    let resyncs = 0;
    listener.subscribe((n) => n === 'resync' && resyncs++);
    await listener.onModuleInit();
    try {
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(listener.healthy, true);
      assert.equal(resyncs, 1, 'only the resync of the first connect');
    } finally {
      await listener.onModuleDestroy();
    }
  });
});
