import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource, runMigrationsWithLock, startEmbeddedDatabase } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../apps/server/src/schema';

export interface ScratchDatabase {
  /** Name and URL of the freshly migrated database. */
  readonly name: string;
  readonly url: string;
  /** A connection to the server's `postgres` database (pg_stat_activity, DROP DATABASE). */
  readonly admin: Client;
  /** Drops the database, closes the admin connection and stops an embedded server if one was started. */
  drop(): Promise<void>;
}

/** DATABASE_URL if set; else the local server if it answers; else an embedded PostgreSQL. */
async function pickServer(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => {} };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  const probe = new Client({ connectionString: local, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    await probe.end();
    return { adminUrl: local, stop: async () => {} };
  } catch {
    const db = await startEmbeddedDatabase(join(tmpdir(), 'mcp-bench-pg'), {
      log: () => {},
      warn: console.warn,
    });
    const admin = new URL(db.url);
    admin.pathname = '/postgres';
    return { adminUrl: admin.toString(), stop: db.stop };
  }
}

/** A new database `<prefix>_<pid>` with every migration applied, for one benchmark run. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const { adminUrl, stop } = await pickServer();
  const name = `${prefix}_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const ds = createDataSource({
    url: url.toString(),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    poolSize: 2,
  });
  await ds.initialize();
  try {
    await runMigrationsWithLock(ds);
  } finally {
    await ds.destroy();
  }
  return {
    name,
    url: url.toString(),
    admin,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      await stop();
    },
  };
}
