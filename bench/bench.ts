/**
 * `npm run bench [-- --quick]`: starts the real server (compiled build) on real PostgreSQL, obtains tokens
 * through the real OAuth flow, drives each hot path with autocannon and prints, per scenario: req/s,
 * p50/p99 latency, errors, server CPU time per request (server process + its PostgreSQL backends) and
 * peak RSS, each also as a ratio to a bare node:http server measured the same way.
 *   DATABASE_URL    PostgreSQL server to use (a database `mcp_bench_<pid>` is created on it)
 *   unset           postgres://postgres@127.0.0.1:5432 if it answers, else the embedded PostgreSQL
 * Results: bench/results/<timestamp>.json and .md (gitignored).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { freePort } from '../test/support/app';
import { HttpSession } from '../test/support/http-session';
import {
  authorizeInBrowser,
  registerClient,
  tokenRequest,
  type RegisteredClient,
  type TokenResponseBody,
} from '../test/support/oauth-flow';
import { waitForStatus } from '../test/support/process';
import { createScratchDatabase } from './scratch-database';

const quick = process.argv.includes('--quick');
/** `--only=<substring>`: run only the scenarios whose name contains it (the reference always runs). */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
/** `--cpu-prof=<dir>`: the server runs with `node --cpu-prof` and writes its profile there at exit. */
const cpuProfDir = process.argv.find((a) => a.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length);
const DURATION = quick ? 3 : 10;
const root = resolve(__dirname, '..', '..');
const CLK_TCK = 100;
const multiCore = cpus().length > 1;

interface Row {
  scenario: string;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuUsPerReq: number;
  pgCpuUsPerReq: number;
  ratio: number;
  peakRssMb: number;
}

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
  } catch {
    return 0;
  }
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** PostgreSQL backend processes serving `database` (local server only; 0 when not visible). */
async function backendPids(admin: Client, database: string): Promise<number[]> {
  const r = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
    database,
  ]);
  return r.rows.map((x) => x.pid);
}

async function measure(
  name: string,
  connections: number,
  opts: autocannon.Options,
  serverPid: number,
  pg?: { admin: Client; database: string },
): Promise<Omit<Row, 'ratio'>> {
  const before = cpuTicks(serverPid);
  const pgBefore = new Map<number, number>();
  if (pg) for (const pid of await backendPids(pg.admin, pg.database)) pgBefore.set(pid, cpuTicks(pid));
  const result = await autocannon({ ...opts, connections, duration: DURATION });
  const serverUs = ((cpuTicks(serverPid) - before) / CLK_TCK) * 1e6;
  let pgUs = 0;
  if (pg) {
    for (const pid of await backendPids(pg.admin, pg.database))
      pgUs += cpuTicks(pid) - (pgBefore.get(pid) ?? 0);
    pgUs = (pgUs / CLK_TCK) * 1e6;
  }
  const requests = result.requests.total;
  return {
    scenario: name,
    connections,
    requests,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuUsPerReq: Math.round((serverUs + pgUs) / Math.max(1, requests)),
    pgCpuUsPerReq: Math.round(pgUs / Math.max(1, requests)),
    peakRssMb: peakRssMb(serverPid),
  };
}

/**
 * The server command exactly as `npm run start:prod` runs it (node, its flags from node-flags.ts, the
 * compiled main.js), so peak RSS is measured as production starts it; `extra` node options go first.
 */
function startProdCommand(extra: string[]): string[] {
  const scripts = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const [node, ...args] = scripts['start:prod'].split(' ');
  if (node !== 'node') throw new Error(`start:prod does not run node: ${scripts['start:prod']}`);
  const main = args.pop()!;
  return [process.execPath, ...args, ...extra, join(root, main)];
}

function pinned(args: string[], core: number): [string, string[]] {
  return multiCore ? ['taskset', ['-c', String(core), ...args]] : [args[0], args.slice(1)];
}

const mcpHeaders = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
});

async function main(): Promise<void> {
  // The load generator (autocannon runs in this process) on core 1, the servers on core 0.
  if (multiCore) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const scratch = await createScratchDatabase('mcp_bench');

  const children: ChildProcess[] = [];
  const rows: Row[] = [];
  try {
    // --- the reference: a bare node:http server answering a fixed JSON body -------------------------
    const barePort = await freePort();
    const bareSrc = `require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'application/json'});s.end('{"jsonrpc":"2.0","id":1,"result":{}}')}).listen(${barePort},'127.0.0.1')`;
    const [bareCmd, bareArgs] = pinned([process.execPath, '-e', bareSrc], 0);
    const bare = spawn(bareCmd, bareArgs, { stdio: 'ignore' });
    children.push(bare);
    await waitForStatus(`http://127.0.0.1:${barePort}/`, 200, 5000);
    const bareRow = await measure(
      'bare node:http (reference)',
      10,
      { url: `http://127.0.0.1:${barePort}/` },
      bare.pid!,
    );
    const baseline = bareRow.cpuUsPerReq;
    rows.push({ ...bareRow, ratio: 1 });
    bare.kill();

    // --- the real server ------------------------------------------------------------------------------
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`] : [];
    const [cmd, args] = pinned(startProdCommand(nodeArgs), 0);
    const started = Date.now();
    const server = spawn(cmd, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        PORT: String(port),
        PUBLIC_URL: url,
        DATABASE_URL: scratch.url,
        MIGRATE_ON_START: 'false',
        SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        RATE_LIMIT_REGISTER_PER_HOUR: '100000',
        RATE_LIMIT_AUTHORIZE_PER_MINUTE: '100000',
        RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
      },
    });
    children.push(server);
    await waitForStatus(`${url}/readyz`, 200, 20000);
    const readyMs = Date.now() - started;
    const pg = { admin: scratch.admin, database: scratch.name };

    // Tokens through the real flow: one signed-in browser, consent stored once, then many codes.
    const client: RegisteredClient = await registerClient(url, { client_name: 'bench' });
    const browser = new HttpSession(url);
    const scope = 'profile:read notes:read notes:write';
    const codeFor = async () => {
      const auth = await authorizeInBrowser(url, {
        client,
        email: 'bench@example.com',
        session: browser,
        scope,
      });
      return { code: auth.code!, verifier: auth.verifier };
    };
    const exchange = async ({ code, verifier }: { code: string; verifier: string }) => {
      const res = await tokenRequest(url, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: client.redirect_uris[0],
        client_id: client.client_id,
      });
      return (await res.json()) as TokenResponseBody;
    };
    const first = await exchange(await codeFor());
    const access = first.access_token;

    const rpc = (method: string, params: unknown) =>
      JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const call = rpc('tools/call', { name: 'whoami', arguments: {} });
    const wanted = (name: string) => !only || name.includes(only);
    const add = (r: Omit<Row, 'ratio'>) => {
      rows.push({ ...r, ratio: Math.round((r.cpuUsPerReq / baseline) * 10) / 10 });
      process.stdout.write(
        `  ${r.scenario} c=${r.connections}: ${r.rps} req/s, ${r.cpuUsPerReq} µs CPU/req\n`,
      );
    };
    const mcp = { url: `${url}/mcp`, method: 'POST' as const, headers: mcpHeaders(access) };
    if (wanted('tools/call whoami')) {
      add(await measure('tools/call whoami', 10, { ...mcp, body: call }, server.pid!, pg));
      add(await measure('tools/call whoami', 50, { ...mcp, body: call }, server.pid!, pg));
    }
    // The same call in MCP 2026-07-28: per-request _meta and the Mcp-Method / Mcp-Name headers.
    if (wanted('tools/call whoami (2026-07-28)')) {
      const modern = {
        ...mcp,
        headers: {
          ...mcp.headers,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'whoami',
        },
        body: rpc('tools/call', {
          name: 'whoami',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
          },
        }),
      };
      add(await measure('tools/call whoami (2026-07-28)', 10, modern, server.pid!, pg));
      add(await measure('tools/call whoami (2026-07-28)', 50, modern, server.pid!, pg));
    }
    if (wanted('tools/list'))
      add(await measure('tools/list', 10, { ...mcp, body: rpc('tools/list', {}) }, server.pid!, pg));
    if (wanted('/mcp with an invalid token (401)'))
      add(
        await measure(
          '/mcp with an invalid token (401)',
          10,
          { url: `${url}/mcp`, method: 'POST', headers: mcpHeaders('mcp_at_invalid'), body: call },
          server.pid!,
          pg,
        ),
      );

    // Refresh: one rotating chain per connection; a response hands its new token to the next request.
    if (wanted('refresh_token grant (rotation)')) {
      const chains: string[] = [];
      for (let i = 0; i < 10; i++) chains.push((await exchange(await codeFor())).refresh_token!);
      const refreshBody = (token: string) =>
        new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: token,
          client_id: client.client_id,
        }).toString();
      add(
        await measure(
          'refresh_token grant (rotation)',
          10,
          {
            url: `${url}/api/oauth/token`,
            requests: [
              {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                setupRequest: (req) => ({ ...req, body: refreshBody(chains.shift()!) }),
                onResponse: (status, body) => {
                  if (status === 200) chains.push((JSON.parse(body) as TokenResponseBody).refresh_token!);
                },
              },
            ],
          },
          server.pid!,
          pg,
        ),
      );
    }

    // Code exchange: codes minted in advance (they live 60 s), one per request.
    if (wanted('authorization_code exchange')) {
      const codes: { code: string; verifier: string }[] = [];
      const codeTarget = quick ? 300 : 1200;
      for (let i = 0; i < codeTarget; i++) codes.push(await codeFor());
      add(
        await measure(
          'authorization_code exchange',
          10,
          {
            url: `${url}/api/oauth/token`,
            amount: codes.length,
            requests: [
              {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                setupRequest: (req) => {
                  const next = codes.shift();
                  return next
                    ? {
                        ...req,
                        body: new URLSearchParams({
                          grant_type: 'authorization_code',
                          code: next.code,
                          code_verifier: next.verifier,
                          redirect_uri: client.redirect_uris[0],
                          client_id: client.client_id,
                        }).toString(),
                      }
                    : req;
                },
              },
            ],
          },
          server.pid!,
          pg,
        ),
      );
    }

    if (wanted('dynamic registration'))
      add(
        await measure(
          'dynamic registration',
          10,
          {
            url: `${url}/api/oauth/register`,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              client_name: 'bench',
              redirect_uris: ['http://127.0.0.1:9/cb'],
              token_endpoint_auth_method: 'none',
            }),
          },
          server.pid!,
          pg,
        ),
      );

    // Wait for the graceful exit (a --cpu-prof profile is written then).
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
    const table = [
      `| scenario | c | req/s | p50 ms | p99 ms | errors / non-2xx | CPU µs/req (of which PostgreSQL) | × bare node:http | peak RSS MB |`,
      `|---|---|---|---|---|---|---|---|---|`,
      ...rows.map(
        (r) =>
          `| ${r.scenario} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} / ${r.non2xx} | ${r.cpuUsPerReq} (${r.pgCpuUsPerReq}) | ${r.ratio} | ${r.peakRssMb} |`,
      ),
    ].join('\n');
    const header = `${quick ? 'quick' : 'full'} run, ${DURATION} s per scenario, server pinned to core 0${multiCore ? ', load generator on core 1' : ''}; ready in ${readyMs} ms after start`;
    process.stdout.write(`\n${header}\n\n${table}\n`);
    const out = join(root, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    writeFileSync(join(out, `${stamp}.json`), JSON.stringify({ header, readyMs, rows }, null, 2));
    writeFileSync(join(out, `${stamp}.md`), `${header}\n\n${table}\n`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
