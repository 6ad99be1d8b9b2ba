// Runs the whole suite: picks a PostgreSQL server, migrates a template database once, then runs every
// compiled test file with node's test runner. Each test file clones its own database from the template.
//   TEST_DATABASE_URL  admin URL of the server to use (a database on it is used only to create others)
//                      `embedded`: always the embedded cluster in .data/test-pg (what a fresh clone gets)
//   unset              postgres://postgres@127.0.0.1:5432/postgres if it answers, else an embedded cluster
// Arguments run only the compiled test files whose path contains one of them:
//   npm test -- server-process embedded-database
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');

async function answers(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function pickServer() {
  const wanted = process.env.TEST_DATABASE_URL;
  if (wanted && wanted !== 'embedded') return { url: wanted, stop: async () => {} };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!wanted && (await answers(local))) return { url: local, stop: async () => {} };
  console.log(
    wanted
      ? '# TEST_DATABASE_URL=embedded: starting the embedded PostgreSQL in .data/test-pg'
      : '# no PostgreSQL at 127.0.0.1:5432: starting the embedded one in .data/test-pg',
  );
  const { startEmbeddedDatabase } = require(join(dist, 'libs/persistence/src'));
  let db;
  try {
    db = await startEmbeddedDatabase(join(root, '.data/test-pg'), {
      log: () => {},
      warn: (m) => console.warn(m),
    });
  } catch (error) {
    // An EmbeddedDatabaseError already says what failed and how to fix it.
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const admin = new URL(db.url);
  admin.pathname = '/postgres';
  return { url: admin.toString(), stop: db.stop };
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if ((conformance ? /\.conformance-spec\.js$/ : /\.(spec|int-spec|e2e-spec)\.js$/).test(name))
      out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
// --conformance runs only the conformance suite (scripts/conformance.mjs provides its tools).
const conformance = args.includes('--conformance');
const filters = args.filter((a) => a !== '--conformance');
const server = await pickServer();
const template = `mcp_test_template_${process.pid}`;
const admin = new Client({ connectionString: server.url });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${template}`);
await admin.query(`CREATE DATABASE ${template}`);
const templateUrl = new URL(server.url);
templateUrl.pathname = `/${template}`;
{
  const { createDataSource, runMigrationsWithLock } = require(join(dist, 'libs/persistence/src'));
  const { ENTITIES, MIGRATIONS } = require(join(dist, 'apps/server/src/schema'));
  const ds = createDataSource({
    url: templateUrl.toString(),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    poolSize: 2,
  });
  await ds.initialize();
  await runMigrationsWithLock(ds);
  await ds.destroy();
}

let files = findTests(dist);
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();
const concurrency = process.env.TEST_CONCURRENCY ?? '3';
const child = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      TEST_DATABASE_URL: server.url,
      TEST_TEMPLATE_DATABASE: template,
      NODE_ENV: 'test',
    },
  },
);
const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? (s ? 1 : 0))));
await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
// Databases left by crashed test files of this run (only this run's: other runs may be going on).
const left = await admin.query(
  `SELECT datname FROM pg_database WHERE datname LIKE 'mcp_test_db_${process.pid}_%'`,
);
for (const { datname } of left.rows)
  await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
await admin.end();
await server.stop();
process.exit(code);
