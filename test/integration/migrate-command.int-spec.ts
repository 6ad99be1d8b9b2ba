// Checks the compiled migration runner that ships in the image (dist/apps/server/src/migrate.js, what the
// Helm hook Job and an operator's in-cluster revert run): it applies every migration to an empty
// database, two at once apply them once (the advisory lock of MIGRATE_ON_START), --revert undoes exactly
// the last one and a new run re-applies it, and bad configuration or arguments stop it with a message.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';

const MIGRATE = join(__dirname, '../../apps/server/src/migrate.js');
// TypeORM runs migrations in the order of their timestamps (the digits ending each name), whatever
// the order of the composed list: that is the order applied, and the last one is what --revert undoes.
const timestampOf = (name: string) => Number(/(\d+)$/.exec(name)?.[1] ?? 0);
const BY_TIME = MIGRATIONS.map((m) => m.name).sort((a, b) => timestampOf(a) - timestampOf(b));
const lastMigration = BY_TIME[BY_TIME.length - 1];

function runMigrate(env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [MIGRATE, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function applied(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe('the image migration runner (migrate.js)', () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const db of databases) await db.drop().catch(() => undefined);
  });
  const production = (url: string) => ({
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://mcp.example.com',
    SESSION_SECRET: 'x'.repeat(40),
    DATABASE_URL: url,
  });

  it('migrates an empty database, once even when two runners start together', async () => {
    const db = await createTestDatabase({ empty: true });
    databases.push(db);
    const [a, b] = await Promise.all([runMigrate(production(db.url)), runMigrate(production(db.url))]);
    assert.equal(a.code, 0, a.output);
    assert.equal(b.code, 0, b.output);
    const outputs = [a.output, b.output].sort();
    // One applied everything under the lock; the other waited for it and found nothing pending.
    assert.match(outputs[0], /^applied migrations: /);
    assert.match(outputs[1], new RegExp(`^schema is up to date \\(${MIGRATIONS.length} migrations\\)`));
    assert.deepEqual(await applied(db.url), BY_TIME);
  });

  it('--revert undoes the last migration only; the next run applies it again', async () => {
    const db = await createTestDatabase({ empty: true });
    databases.push(db);
    assert.equal((await runMigrate(production(db.url))).code, 0);

    const revert = await runMigrate(production(db.url), ['--revert']);
    assert.equal(revert.code, 0, revert.output);
    assert.equal(revert.output.trim(), `reverted migration: ${lastMigration}`);
    assert.deepEqual(await applied(db.url), BY_TIME.slice(0, -1));

    const again = await runMigrate(production(db.url));
    assert.equal(again.code, 0, again.output);
    assert.equal(again.output.trim(), `applied migrations: ${lastMigration}`);
    assert.deepEqual(await applied(db.url), BY_TIME);
  });

  it('refuses to run without DATABASE_URL, with invalid configuration, or with an unknown flag', async () => {
    const noUrl = await runMigrate({ PUBLIC_URL: 'https://mcp.example.com' });
    assert.equal(noUrl.code, 1);
    assert.match(noUrl.output, /DATABASE_URL must be set to run migrations/);

    const bad = await runMigrate({
      ...production('postgres://nobody@127.0.0.1:1/x'),
      REFRESH_TOKEN_TTL: '2.592e+06',
    });
    assert.equal(bad.code, 1);
    assert.match(bad.output, /REFRESH_TOKEN_TTL must be a number of seconds from 300 to 31536000/);
    assert.match(bad.output, /No migration ran/);

    const flag = await runMigrate(production('postgres://nobody@127.0.0.1:1/x'), ['--down']);
    assert.equal(flag.code, 2);
    assert.match(flag.output, /unknown argument --down; usage: migrate.js \[--revert\]/);
  });
});
