// Checks: a JWT id is accepted once per issuer on every replica (RFC 7519 §4.1.7, LB-06), a refused
// transaction leaves no id behind, and housekeeping deletes the ids of expired JWTs only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { JwtIdRegistry } from '../../libs/oauth/src/jose/jwt-id-registry';

describe('JwtIdRegistry: single use of JWT ids in PostgreSQL', () => {
  let db: TestDatabase;
  let a: DataSource;
  let b: DataSource;
  const inAnHour = () => new Date(Date.now() + 3600_000);

  before(async () => {
    db = await createTestDatabase();
    a = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    b = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 4 });
    await Promise.all([a.initialize(), b.initialize()]);
  });
  after(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
    await db.drop();
  });

  it('answers true once and false for every replay, also from another replica', async () => {
    const one = new JwtIdRegistry(a);
    const two = new JwtIdRegistry(b);
    assert.equal(await one.useOnce('https://idp.example', 'jti-1', inAnHour()), true);
    assert.equal(await two.useOnce('https://idp.example', 'jti-1', inAnHour()), false);
    assert.equal(await one.useOnce('https://idp.example', 'jti-1', inAnHour()), false);
    // The same id from another issuer is another JWT.
    assert.equal(await two.useOnce('https://other.example', 'jti-1', inAnHour()), true);
  });

  it('lets exactly one of many concurrent uses win', async () => {
    const registries = [new JwtIdRegistry(a), new JwtIdRegistry(b)];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        registries[i % 2].useOnce('https://idp.example', 'race', inAnHour()),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('keeps no id when the transaction it was recorded in rolls back', async () => {
    const registry = new JwtIdRegistry(a);
    await assert.rejects(
      a.transaction(async (manager) => {
        assert.equal(await registry.useOnce('https://idp.example', 'rolled-back', inAnHour(), manager), true);
        throw new Error('refused later');
      }),
      /refused later/,
    );
    assert.equal(await registry.useOnce('https://idp.example', 'rolled-back', inAnHour()), true);
  });

  it('deletes only the ids of expired JWTs', async () => {
    const registry = new JwtIdRegistry(a);
    await registry.useOnce('https://idp.example', 'expired', new Date(Date.now() - 1000));
    await registry.useOnce('https://idp.example', 'live', inAnHour());
    assert.ok((await registry.deleteExpired()) >= 1);
    const rows = await a.query<{ jti: string }[]>(
      `SELECT jti FROM oauth_jwt_ids WHERE jti IN ('expired', 'live')`,
    );
    assert.deepEqual(
      rows.map((r) => r.jti),
      ['live'],
    );
  });
});
