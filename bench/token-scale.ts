/**
 * `npm run bench:scale [-- --quick]`: token validation cost does not grow with the number of stored
 * tokens. On a fresh database it seeds oauth_access_tokens (bench/seed.ts) to 10 k rows and
 * then to 1 M rows (≈ 20 s here; --quick: 100 k), and at each size times the verifier's
 * cache-miss lookup — AccessTokenRepository.findAccessToken, the very statement AccessTokenVerifier runs when
 * a token is not in its cache — for random existing tokens and for unknown ones: wall time per lookup
 * (sequential, p50/p99), PostgreSQL backend CPU and node CPU per lookup, and the plan PostgreSQL uses.
 *   DATABASE_URL  PostgreSQL server (a database `mcp_scale_<pid>` is created on it and dropped after);
 *                 default postgres://postgres@127.0.0.1:5432/postgres
 * Results: bench/results/<timestamp>-scale.{json,md} (gitignored).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createScratchDatabase } from './scratch-database';
import { Client } from 'pg';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../apps/server/src/schema';
import { AccessTokenRepository } from '../libs/oauth/src/repositories/access-token.repository';
import { digest } from '../libs/oauth/src/common/secrets';
import { seedAccessTokens, seededToken } from './seed';

const quick = process.argv.includes('--quick');
const SIZES = [10_000, quick ? 100_000 : 1_000_000];
const LOOKUPS = 3000;
const CLK_TCK = 100;
const root = resolve(__dirname, '..', '..');

interface ScaleRow {
  rows: number;
  seedMs: number;
  kind: 'existing token' | 'unknown token';
  lookups: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  nodeCpuUs: number;
  pgCpuUs: number;
  plan: string;
}

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

async function backendPids(admin: Client, database: string): Promise<number[]> {
  const r = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return r.rows.map((x) => x.pid);
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('mcp_scale');
  const admin = scratch.admin;
  const database = scratch.name;
  // One pooled connection, as one verifier lookup at a time uses.
  const ds = createDataSource({
    url: scratch.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    poolSize: 2,
  });
  const seeder = new Client({ connectionString: scratch.url });
  const rows: ScaleRow[] = [];
  try {
    await ds.initialize();
    await seeder.connect();
    const tokens = new AccessTokenRepository(ds);
    let seeded = 0;
    for (const size of SIZES) {
      const started = Date.now();
      seeded = await seedAccessTokens(seeder, size - seeded);
      const seedMs = Date.now() - started;
      process.stdout.write(`${size} rows seeded in ${seedMs} ms\n`);
      const planRows = await seeder.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT at.id FROM oauth_access_tokens at JOIN oauth_grants g ON g.id = at.grant_id WHERE at.token_hash = $1`,
        [digest(seededToken(1))],
      );
      const plan = planRows.rows
        .map((r) => r['QUERY PLAN'].trim())
        .filter((l) => /Scan/.test(l))
        .map((l) => l.replace(/^->\s*/, '').replace(/\s+\(cost.*$/, ''))
        .join('; ');
      for (const kind of ['existing token', 'unknown token'] as const) {
        // Warm the prepared statement on the pool's connection(s) and the JIT first.
        for (let i = 0; i < 500; i++) await tokens.findAccessToken(digest(seededToken(1 + (i % seeded))));
        const pids = await backendPids(admin, database);
        const pgBefore = new Map(pids.map((p) => [p, cpuTicks(p)]));
        const cpuBefore = process.cpuUsage();
        const times: number[] = [];
        for (let i = 0; i < LOOKUPS; i++) {
          const presented =
            kind === 'existing token'
              ? seededToken(1 + Math.floor(Math.random() * seeded))
              : `mcp_at_unknown-${i}-${Math.random()}`;
          const t0 = process.hrtime.bigint();
          const found = await tokens.findAccessToken(digest(presented));
          times.push(Number(process.hrtime.bigint() - t0) / 1000);
          if ((found !== null) !== (kind === 'existing token'))
            throw new Error(`lookup of ${kind} went wrong`);
        }
        const cpu = process.cpuUsage(cpuBefore);
        let pgTicks = 0;
        for (const p of await backendPids(admin, database)) pgTicks += cpuTicks(p) - (pgBefore.get(p) ?? 0);
        times.sort((a, b) => a - b);
        rows.push({
          rows: seeded,
          seedMs,
          kind,
          lookups: LOOKUPS,
          p50Us: Math.round(times[Math.floor(LOOKUPS * 0.5)]),
          p99Us: Math.round(times[Math.floor(LOOKUPS * 0.99)]),
          meanUs: Math.round(times.reduce((a, b) => a + b, 0) / LOOKUPS),
          nodeCpuUs: Math.round((cpu.user + cpu.system) / LOOKUPS),
          pgCpuUs: Math.round(((pgTicks / CLK_TCK) * 1e6) / LOOKUPS),
          plan,
        });
      }
    }
    const table = [
      '| rows in oauth_access_tokens | lookup of | p50 µs | p99 µs | mean µs | node CPU µs | PostgreSQL CPU µs | plan |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.rows.toLocaleString('en')} | ${r.kind} | ${r.p50Us} | ${r.p99Us} | ${r.meanUs} | ${r.nodeCpuUs} | ${r.pgCpuUs} | ${r.plan} |`,
      ),
    ].join('\n');
    const header = `verifier cache-miss lookup (AccessTokenRepository.findAccessToken), ${LOOKUPS} sequential lookups per row${quick ? ' (--quick)' : ''}`;
    process.stdout.write(`\n${header}\n\n${table}\n`);
    const out = join(root, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    writeFileSync(join(out, `${stamp}-scale.json`), JSON.stringify({ header, rows }, null, 2));
    writeFileSync(join(out, `${stamp}-scale.md`), `${header}\n\n${table}\n`);
  } finally {
    await seeder.end().catch(() => undefined);
    if (ds.isInitialized) await ds.destroy();
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
