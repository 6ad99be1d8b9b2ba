import type { DataSource } from 'typeorm';

/** Arbitrary constant that names "the schema migration" lock in pg_advisory_lock's key space. */
const MIGRATION_LOCK_KEY = 7_317_001;

/**
 * Runs pending migrations while holding a session-level PostgreSQL advisory lock, so two replicas
 * that start together with MIGRATE_ON_START=true cannot run them twice: the second waits, then finds
 * nothing pending. Each migration runs in its own transaction. The lock holds one pool connection
 * while the migrations use another, so the pool needs at least two.
 */
export async function runMigrationsWithLock(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Undoes the most recently applied migration (its `down`), under the same advisory lock as
 * runMigrationsWithLock, so it never interleaves with a replica or hook Job applying migrations.
 * Returns the name of the reverted migration, or undefined when none is applied.
 */
export async function revertLastMigrationWithLock(dataSource: DataSource): Promise<string | undefined> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const table = dataSource.options.migrationsTableName ?? 'migrations';
      const hasTable = (await runner.query('SELECT to_regclass($1) IS NOT NULL AS present', [table])) as {
        present: boolean;
      }[];
      if (!hasTable[0]?.present) return undefined;
      const last = (await runner.query(`SELECT name FROM "${table}" ORDER BY id DESC LIMIT 1`)) as {
        name: string;
      }[];
      if (last.length === 0) return undefined;
      await dataSource.undoLastMigration({ transaction: 'each' });
      return last[0].name;
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
