import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from './sql';

/**
 * The hot statements of the token endpoint and the verifier run as named prepared statements
 * straight on the pg pool TypeORM holds: PostgreSQL parses and plans each once per connection, and the
 * query skips TypeORM's per-query work. Errors are pg's own (isDatabaseUnavailable reads their codes).
 * With `manager` (a transaction's), the statement runs on that transaction's connection. Falls back to
 * DataSource.query when the driver has no pg pool.
 */
export async function preparedQuery<T>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
  manager?: EntityManager,
): Promise<T[]> {
  if (manager?.queryRunner) {
    const connection = (await manager.queryRunner.connect()) as PoolClient;
    if (typeof connection?.query !== 'function') return rowsOf<T>(await manager.query(text, values));
    return (await connection.query({ name, text, values })).rows as T[];
  }
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool || typeof pool.query !== 'function') return rowsOf<T>(await dataSource.query(text, values));
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}
