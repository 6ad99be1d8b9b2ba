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
