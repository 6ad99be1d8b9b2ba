import type { DataSource, EntityManager } from 'typeorm';

/** Either the DataSource's manager or a transaction's. */
export type Db = EntityManager;

export function managerOf(dataSource: DataSource, manager?: EntityManager): EntityManager {
  return manager ?? dataSource.manager;
}

/**
 * TypeORM's postgres driver returns `[rows, rowCount]` for UPDATE/DELETE and `rows` otherwise; this
 * gives the rows in both cases.
 */
export function rowsOf<T>(raw: unknown): T[] {
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') {
    return raw[0] as T[];
  }
  return raw as T[];
}

/** PostgreSQL NOTIFY channel on which every revocation is announced to every replica. */
export const REVOCATION_CHANNEL = 'oauth_revocations';

export type RevocationNotice =
  { kind: 'grant'; id: string } | { kind: 'token'; id: string } | { kind: 'client'; id: string };

/**
 * Queues a NOTIFY in the caller's transaction: PostgreSQL delivers it to every listening replica at
 * commit, and never if the transaction rolls back.
 */
export async function notifyRevocation(manager: EntityManager, notice: RevocationNotice): Promise<void> {
  await manager.query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, JSON.stringify(notice)]);
}
