import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedDatabaseError, startEmbeddedDatabase, type EmbeddedDatabase } from '@app/persistence';

const quiet = { log: () => undefined, warn: () => undefined };

describe('the embedded PostgreSQL (real binaries)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('a second server on the same DATA_DIR is refused with the cause and the fix; the first keeps serving', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedded-int-'));
    await chmod(dir, 0o755);
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const first: EmbeddedDatabase = await startEmbeddedDatabase(join(dir, 'data'), quiet);
    cleanup.push(() => rm(first.clusterDir, { recursive: true, force: true }));
    cleanup.push(() => first.stop());

    const error = await startEmbeddedDatabase(join(dir, 'data'), quiet).then(
      (second) => second.stop().then(() => assert.fail('a second server started on the same cluster')),
      (e: unknown) => e,
    );
    assert.ok(error instanceof EmbeddedDatabaseError);
    assert.match(error.message, /postgres exited before accepting connections .*lock file .* already exists/);
    assert.match(
      error.message,
      /\nFix: another server is already running on \S+: stop it, or give this one another DATA_DIR\./,
    );

    const client = new Client({ connectionString: first.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.end();
    assert.equal(rows[0].db, 'mcp_auth');
  });

  it('a cluster whose password file is gone is set aside, and a new one starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedded-int-'));
    await chmod(dir, 0o755);
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const first = await startEmbeddedDatabase(join(dir, 'data'), quiet);
    await first.stop();
    await rm(join(dir, 'data', 'embedded-postgres.json'));

    const warnings: string[] = [];
    const second = await startEmbeddedDatabase(join(dir, 'data'), {
      log: () => undefined,
      warn: (m) => warnings.push(m),
    });
    cleanup.push(() => rm(second.clusterDir, { recursive: true, force: true }));
    cleanup.push(() => second.stop());
    const aside = warnings.map((w) => / moved to (\S+);/.exec(w)?.[1]).find(Boolean);
    assert.ok(aside, warnings.join('\n'));
    cleanup.push(() => rm(aside, { recursive: true, force: true }));
    assert.equal(second.clusterDir, first.clusterDir);
    const client = new Client({ connectionString: second.url });
    await client.connect();
    await client.end();
  });
});
