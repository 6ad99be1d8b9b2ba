import 'reflect-metadata';
import { ConfigValidationError, type AppConfig } from '@app/config';
import { loadAppConfig } from './config-slices';
import { createDataSource, revertLastMigrationWithLock, runMigrationsWithLock } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from './schema';

/**
 * The compiled migration runner that ships in the image (the TypeORM CLI and `npm run migration:*` need
 * the sources and dev tooling, which the image does not carry):
 *   node dist/apps/server/src/migrate.js            apply every pending migration
 *   node dist/apps/server/src/migrate.js --revert   undo the most recently applied one
 * It reads the same environment as the server (loadConfig: a bad value stops it with the same message),
 * and runs the same code as MIGRATE_ON_START, under the same PostgreSQL advisory lock, so a hook Job, a
 * replica migrating at start and an operator's revert never run at the same time.
 * Exit code 0 on success (also when nothing was pending), 1 on any failure, 2 on a usage error.
 */
async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--revert');
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown.join(' ')}; usage: migrate.js [--revert]\n`);
    return 2;
  }
  let config: AppConfig;
  try {
    config = loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\nNo migration ran. Fix the variables above and run it again.\n`);
      return 1;
    }
    throw error;
  }
  if (!config.database.url) {
    process.stderr.write(
      'DATABASE_URL must be set to run migrations, e.g. postgres://user:pass@db.internal:5432/mcp_auth\n',
    );
    return 1;
  }
  // Two connections: one holds the advisory lock, the other runs the migrations.
  const dataSource = createDataSource({
    url: config.database.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    poolSize: 2,
    applicationName: 'mcp-auth-server-migrate',
  });
  await dataSource.initialize();
  try {
    if (args.includes('--revert')) {
      const reverted = await revertLastMigrationWithLock(dataSource);
      process.stdout.write(reverted ? `reverted migration: ${reverted}\n` : 'no migration is applied\n');
    } else {
      const applied = await runMigrationsWithLock(dataSource);
      process.stdout.write(
        applied.length > 0
          ? `applied migrations: ${applied.join(', ')}\n`
          : `schema is up to date (${MIGRATIONS.length} migrations)\n`,
      );
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
