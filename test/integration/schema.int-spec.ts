// Checks: migrations are the schema (docs/architecture.md C10) — all run up and down on an empty database, and the
// entities agree with them (a generated migration would be empty).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDataSource } from '@app/persistence';
import { runMigrationsWithLock } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('schema migrations', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ empty: true });
  });
  after(async () => {
    await db.drop();
  });

  const open = async () => {
    const ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 2 });
    await ds.initialize();
    return ds;
  };

  it('run up on an empty database, down to nothing, and up again', async () => {
    const ds = await open();
    try {
      const applied = await runMigrationsWithLock(ds);
      assert.equal(applied.length, MIGRATIONS.length);
      assert.equal(await ds.showMigrations(), false, 'nothing pending after running them all');
      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      const tables = await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
      );
      assert.deepEqual(tables, [], 'every migration removes what it created');
      assert.equal((await runMigrationsWithLock(ds)).length, MIGRATIONS.length);
    } finally {
      await ds.destroy();
    }
  });

  it('agree with the entities: generating a migration now would produce nothing', async () => {
    const ds = await open();
    try {
      await runMigrationsWithLock(ds);
      const sql = await ds.driver.createSchemaBuilder().log();
      assert.deepEqual(
        sql.upQueries.map((q) => q.query),
        [],
        'entities and migrations disagree; run npm run migration:generate',
      );
    } finally {
      await ds.destroy();
    }
  });

  it('two replicas migrating at once do not run a migration twice (advisory lock)', async () => {
    const fresh = await createTestDatabase({ empty: true });
    const a = createDataSource({ url: fresh.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 2 });
    const b = createDataSource({ url: fresh.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 2 });
    await Promise.all([a.initialize(), b.initialize()]);
    try {
      const [ra, rb] = await Promise.all([runMigrationsWithLock(a), runMigrationsWithLock(b)]);
      assert.equal(ra.length + rb.length, MIGRATIONS.length);
      const rows: { count: string }[] = await a.query(
        'SELECT count(*)::text AS count FROM schema_migrations',
      );
      assert.equal(Number(rows[0].count), MIGRATIONS.length);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
      await fresh.drop();
    }
  });
});
