import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';

export interface PersistenceOptions {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

/** The one place DataSource options are built, for the app, the CLI (ormconfig.ts) and the tests. */
export function buildDataSourceOptions(options: PersistenceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'schema_migrations',
    // Migrations are the schema (docs/architecture.md C10).
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: options.applicationName ?? 'mcp-auth-server',
    extra: {
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
    },
  };
}

export function createDataSource(options: PersistenceOptions): DataSource {
  return new DataSource(buildDataSourceOptions(options));
}
