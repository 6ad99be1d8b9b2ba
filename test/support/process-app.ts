import { freePort } from './app';
import { createTestDatabase, type TestDatabase } from './database';
import { spawnServer, waitForStatus, type ServerProcess } from './process';

/** The real server process (as `npm start` runs it) on a fresh, migrated test database. */
export interface ProcessApp {
  readonly url: string;
  readonly db: TestDatabase;
  readonly server: ServerProcess;
  /** SIGTERM, wait for the exit, drop the database. */
  close(): Promise<void>;
}

/**
 * Starts the server process with the settings every process test shares (test mode, a free port, its
 * own database, no migration at start: the template is migrated); `env` adds or overrides. Resolves once
 * /readyz answers 200.
 */
export async function startProcessApp(env: Record<string, string>): Promise<ProcessApp> {
  const db = await createTestDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: db.url,
    MIGRATE_ON_START: 'false',
    SESSION_SECRET: 'process-test-session-secret-0123456789abcdef',
    ...env,
  });
  const close = async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await db.drop();
  };
  try {
    await waitForStatus(`${url}/readyz`, 200, 20000, server);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, db, server, close };
}
