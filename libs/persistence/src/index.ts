export { PersistenceModule, type PersistenceModuleOptions } from './persistence.module';
export { buildDataSourceOptions, createDataSource, type PersistenceOptions } from './data-source';
export { EmbeddedDatabaseError, startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database';
export { revertLastMigrationWithLock, runMigrationsWithLock } from './migrations';
export { inTransaction } from './transaction';
export { DatabaseHealthService, type DatabaseHealth } from './database-health';
export { isDatabaseUnavailable, DATABASE_RETRY_AFTER_SECONDS } from './database-unavailable';
export { databaseOutage, DatabaseOutageError } from './database-outage';
export {
  hasUnstorableJson,
  isBadInputForDatabase,
  isSafeLine,
  isUnstorableText,
  isVisibleAscii,
} from './input-rules';
