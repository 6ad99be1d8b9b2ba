// Checks AS-REG-04, LB-06: the Client ID Metadata Document cache on real PostgreSQL — one
// row per URL mirrored into oauth_clients, redirect_uris_changed_at moving only when the set changes,
// never overwriting a registered (DCR) client, consent time owner-scoped, cascade on client deletion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { CimdDocumentRepository } from '../../libs/oauth/src/cimd/cimd-document.repository';
import { internalClientId, validateClientDocument } from '../../libs/oauth/src/cimd/client-document';
import { ConsentRepository, redirectUrisDigest } from '../../libs/oauth/src/repositories/consent.repository';
import { fakeScopeRegistry } from '../../libs/oauth/src/common/testing';

const URL_ID = 'https://app.example/client.json';
const doc = (redirectUris: string[], name = 'App') => ({
  client_id: URL_ID,
  client_name: name,
  redirect_uris: redirectUris,
});
const metadata = (d: ReturnType<typeof doc>) => validateClientDocument(URL_ID, d, fakeScopeRegistry());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CIMD cache repository on PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: CimdDocumentRepository;
  const id = internalClientId(URL_ID);

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    await ds.initialize();
    repo = new CimdDocumentRepository(ds);
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('stores the document and the client row it stands for', async () => {
    const d = doc(['https://app.example/b', 'https://app.example/a']);
    await repo.store(URL_ID, id, metadata(d), d, 600);
    const row = await repo.findByUrl(URL_ID);
    assert.ok(row);
    assert.equal(row.clientId, id);
    assert.deepEqual(row.redirectUris, ['https://app.example/a', 'https://app.example/b']);
    assert.deepEqual(row.document, d);
    assert.equal(Math.round((row.expiresAt.getTime() - row.fetchedAt.getTime()) / 1000), 600);
    const [client] = await ds.query<
      { created_via: string; client_name: string; token_endpoint_auth_method: string }[]
    >(`SELECT created_via, client_name, token_endpoint_auth_method FROM oauth_clients WHERE client_id = $1`, [
      id,
    ]);
    assert.deepEqual(client, { created_via: 'cimd', client_name: 'App', token_endpoint_auth_method: 'none' });
    assert.equal((await repo.findByClientId(id))?.url, URL_ID);
  });

  it('redirect_uris_changed_at stays for the same set (any order) and moves when the set changes', async () => {
    const before = (await repo.findByUrl(URL_ID))!;
    await sleep(20);
    const same = doc(['https://app.example/a', 'https://app.example/b'], 'App renamed');
    await repo.store(URL_ID, id, metadata(same), same, 300);
    const kept = (await repo.findByUrl(URL_ID))!;
    assert.equal(kept.redirectUrisChangedAt.getTime(), before.redirectUrisChangedAt.getTime());
    assert.ok(kept.fetchedAt.getTime() > before.fetchedAt.getTime());
    const [{ client_name }] = await ds.query<{ client_name: string }[]>(
      `SELECT client_name FROM oauth_clients WHERE client_id = $1`,
      [id],
    );
    assert.equal(client_name, 'App renamed');

    await sleep(20);
    const changed = doc(['https://app.example/a', 'https://evil.example/cb']);
    await repo.store(URL_ID, id, metadata(changed), changed, 300);
    const moved = (await repo.findByUrl(URL_ID))!;
    assert.ok(moved.redirectUrisChangedAt.getTime() > kept.redirectUrisChangedAt.getTime());
  });

  it('never overwrites a registered client that happens to have the same id', async () => {
    await ds.query(
      `INSERT INTO oauth_clients (client_id, token_endpoint_auth_method, redirect_uris, grant_types, response_types, client_name)
       VALUES ('dcr_same', 'none', '{https://dcr.example/cb}', '{authorization_code}', '{code}', 'Registered')`,
    );
    const other = 'https://other.example/c.json';
    const d = { client_id: other, client_name: 'Impostor', redirect_uris: ['https://other.example/cb'] };
    await repo.store(other, 'dcr_same', validateClientDocument(other, d, fakeScopeRegistry()), d, 300);
    const [row] = await ds.query<{ client_name: string; redirect_uris: string[] }[]>(
      `SELECT client_name, redirect_uris FROM oauth_clients WHERE client_id = 'dcr_same'`,
    );
    assert.deepEqual(row, { client_name: 'Registered', redirect_uris: ['https://dcr.example/cb'] });
  });

  it('consent time is owner-scoped; deleting the client removes its cached document', async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    for (const u of [alice, bob])
      await ds.query(`INSERT INTO users (id, display_name) VALUES ($1, 'x')`, [u]);
    await new ConsentRepository(ds).grant({
      userId: alice,
      clientId: id,
      resource: 'https://mcp.example/mcp',
      scopes: ['notes:read'],
      redirectUrisDigest: redirectUrisDigest(['https://app.example/cb']),
      maxAgeSeconds: 3600,
    });
    assert.ok(await repo.consentGivenAt(alice, id, 'https://mcp.example/mcp'));
    assert.equal(await repo.consentGivenAt(bob, id, 'https://mcp.example/mcp'), null);
    await ds.query(`DELETE FROM oauth_clients WHERE client_id = $1`, [id]);
    assert.equal(await repo.findByUrl(URL_ID), null);
  });
});
