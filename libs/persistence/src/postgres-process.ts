import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { EmbeddedDatabaseError, SET_DATABASE_URL } from './embedded-database-error';
import type { PostgresIds } from './postgres-user';

/** PostgreSQL's programs get a fixed environment: no PG* variables of ours leak into the cluster. */
export const CHILD_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' };

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
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

/** Runs a PostgreSQL program to completion; its 'error' event and a non-zero exit become one message. */
export function runToEnd(
  file: string,
  args: string[],
  ids: PostgresIds | undefined,
  what: string,
): Promise<void> {
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

export function spawnFailure(
  file: string,
  error: NodeJS.ErrnoException,
  ids: PostgresIds | undefined,
): Error {
  const who = ids ? 'the OS user `postgres`' : 'this user';
  return new EmbeddedDatabaseError(
    `could not run ${file} (${error.code ?? error.message}): ${who} cannot execute it.`,
    error.code === 'ENOENT'
      ? `reinstall the dependencies with \`npm ci\` (without --omit=optional), ${SET_DATABASE_URL}`
      : `give ${who} read and execute access to that file and every folder above it, ${SET_DATABASE_URL}`,
  );
}

export function lastLines(output: string): string {
  const lines = output.trim().split('\n').filter(Boolean);
  return (lines.slice(-3).join(' | ') || 'no output').slice(0, 600);
}

/** Starts `postgres` and resolves once it accepts connections; any earlier end rejects with the reason. */
export function startServer(
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
