import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one transaction; a thrown error rolls everything back, so a rejected request leaves
 * nothing half-written. Pass the EntityManager on to every repository call inside.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(work);
}
