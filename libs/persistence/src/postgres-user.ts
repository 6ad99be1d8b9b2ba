import { spawnSync } from 'node:child_process';
import { EmbeddedDatabaseError, SET_DATABASE_URL } from './embedded-database-error';

/** The OS user `postgres`: PostgreSQL refuses to run as root, so a root run starts it as this user. */
export interface PostgresIds {
  uid: number;
  gid: number;
}

export function postgresIds(): PostgresIds | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export function ensurePostgresUser(): PostgresIds {
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
export function postgresCanEnter(dir: string, ids: PostgresIds): boolean {
  const probe = spawnSync('/bin/sh', ['-c', 'test -d "$1" && test -x "$1"', 'sh', dir], {
    uid: ids.uid,
    gid: ids.gid,
    stdio: 'ignore',
  });
  return probe.status === 0;
}
