import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabaseError, startEmbeddedDatabase } from './embedded-database';

const quiet = { log: () => undefined, warn: () => undefined };
const isRoot = userInfo().uid === 0;

/** A stand-in PostgreSQL distribution whose `bin/initdb` is the given shell script (or absent). */
async function fakeDistribution(parent: string, initdb?: { script: string; mode: number }): Promise<string> {
  const dir = join(parent, 'native');
  await mkdir(join(dir, 'bin'), { recursive: true });
  if (initdb) {
    await writeFile(join(dir, 'bin', 'initdb'), initdb.script);
    await chmod(join(dir, 'bin', 'initdb'), initdb.mode);
  }
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<EmbeddedDatabaseError> {
  const error = await promise.then(
    () => assert.fail('the embedded database was expected not to start'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EmbeddedDatabaseError, `not an EmbeddedDatabaseError: ${String(error)}`);
  return error;
}

describe('startEmbeddedDatabase failures', () => {
  const dirs: string[] = [];
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedded-spec-'));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  // The shared folder's parent must be traversable, like /var/lib.
  const sharedDir = async () => {
    const parent = await scratch();
    await chmod(parent, 0o755);
    return join(parent, 'shared');
  };
  const options = async () => ({ sharedDir: await sharedDir() });

  it('a missing initdb is one message naming the program, the cause and the fix (no unhandled error event)', async () => {
    const dir = await scratch();
    const binaries = { dir: await fakeDistribution(dir), version: '0.0.0-test' };
    const error = await failure(
      startEmbeddedDatabase(join(dir, 'data'), quiet, { ...(await options()), binaries }),
    );
    assert.match(
      error.message,
      /^The embedded PostgreSQL did not start: could not run \S+\/bin\/initdb \(ENOENT\)/,
    );
    assert.match(error.message, /\nFix: reinstall the dependencies with `npm ci`.* or set DATABASE_URL/);
  });

  it('an initdb that cannot be executed (the EACCES of a private folder) names the access to grant', async () => {
    const dir = await scratch();
    const binaries = {
      dir: await fakeDistribution(dir, { script: '#!/bin/sh\nexit 0\n', mode: 0o644 }),
      version: '0.0.0-test',
    };
    const error = await failure(
      startEmbeddedDatabase(join(dir, 'data'), quiet, { ...(await options()), binaries }),
    );
    assert.match(error.message, /could not run \S+\/bin\/initdb \(EACCES\)/);
    assert.match(error.message, /\nFix: give .* read and execute access .* or set DATABASE_URL/);
  });

  it("a failing initdb's own last words are in the message", async () => {
    const dir = await scratch();
    const binaries = {
      dir: await fakeDistribution(dir, {
        script:
          '#!/bin/sh\necho "initdb: error: could not create directory: No space left on device" >&2\nexit 1\n',
        mode: 0o755,
      }),
      version: '0.0.0-test',
    };
    const error = await failure(
      startEmbeddedDatabase(join(dir, 'data'), quiet, { ...(await options()), binaries }),
    );
    assert.match(
      error.message,
      /initdb failed \(exit 1\): initdb: error: could not create directory: No space left/,
    );
    assert.match(error.message, /\nFix: /);
  });

  it(
    'as root, binaries in a folder the postgres user cannot enter run from a verified copy in the shared folder',
    { skip: !isRoot && 'needs root' },
    async () => {
      const dir = await scratch(); // mkdtemp: mode 0700, root only
      await chmod(dir, 0o700);
      const binaries = {
        dir: await fakeDistribution(dir, {
          script: '#!/bin/sh\necho "ran as $(id -un)" >&2\nexit 3\n',
          mode: 0o755,
        }),
        version: '1.2.3',
      };
      const shared = await sharedDir();
      const error = await failure(
        startEmbeddedDatabase(join(dir, 'data'), quiet, { sharedDir: shared, binaries }),
      );
      // It ran, as postgres, from <shared>/binaries/<version>-<digest>, and its data went to <shared>/clusters.
      assert.match(error.message, /initdb failed \(exit 3\): ran as postgres/);
      const staged = await readdir(join(shared, 'binaries'));
      assert.equal(staged.length, 1);
      assert.match(staged[0], /^1\.2\.3-[0-9a-f]{16}$/);
      assert.deepEqual(await readdir(join(shared, 'binaries', staged[0], 'bin')), ['initdb']);
      assert.equal((await readdir(join(shared, 'clusters'))).length, 1);
    },
  );
});
