// Checks MCP 2026-07-28 (dual-era /mcp): the official MCP conformance suite's `server` scenarios pass
// against the real server with a real token, for `--requirements 2026-07-28` and for 2025-11-25.
// The token comes from the real OAuth flow (dev sign-in and consent); the suite has no auth option, so
// it talks to a local proxy that adds the bearer token, as a gateway would. The suite's fixture tools
// come from test/conformance/conformance-tools.ts, loaded only here. Scenarios that need a capability
// the server does not declare (resources, prompts, completions) or the 2025 session features of a
// stateful server (server-initiated requests, GET/SSE resumption) are listed, not required.
// Run with `npm run test:conformance`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestApp, type TestApp } from '../support/app';
import { obtainTokens } from '../support/oauth-flow';
import { ConformanceToolsModule } from './conformance-tools';

const NODE = process.env.CONFORMANCE_NODE;
const CLI = process.env.CONFORMANCE_CLI;

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

/**
 * Scenarios (or check-id prefixes) that test what this server does not offer: a capability it does
 * not declare, or the 2025 revisions' session features (server-initiated requests on an SSE stream,
 * sessions, logging/setLevel, standalone GET streams) that a stateless server cannot serve.
 */
const NOT_APPLICABLE: Record<string, string> = {
  'resources-': 'no resources capability',
  'tasks-': 'the tasks extension (io.modelcontextprotocol/tasks) is not declared',
  'prompts-': 'no prompts capability',
  'completion-': 'no completions capability',
  'sep-2164-resource-not-found': 'no resources capability',
  'input-required-result-non-tool-request': 'prompts/get: no prompts capability',
  'logging-set-level': '2025: logging/setLevel needs a session; no logging capability declared',
  'tools-call-with-logging': '2025: log messages after logging/setLevel need a session',
  'tools-call-sampling': '2025: server-initiated sampling needs a session',
  'tools-call-elicitation': '2025: server-initiated elicitation needs a session',
  'elicitation-sep': '2025: server-initiated elicitation needs a session',
  'server-sse-polling': '2025: SSE resumption needs a session',
};

async function findChecks(dir: string): Promise<{ scenario: string; check: Check }[]> {
  const out: { scenario: string; check: Check }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'checks.json') {
      // Each scenario writes <out>/server-<scenario>-<timestamp>/checks.json.
      const scenario = entry.parentPath
        .split('/')
        .filter(Boolean)
        .at(-1)!
        .replace(/^server-/, '')
        .replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
      for (const check of JSON.parse(await readFile(join(entry.parentPath, entry.name), 'utf8')) as Check[]) {
        out.push({ scenario, check });
      }
    }
  }
  return out;
}

/** Checks of a scored scenario that exercise an undeclared capability (caching of prompts/resources lists). */
const NOT_APPLICABLE_CHECKS: Record<string, string> = {
  'sep-2549-prompts-': 'no prompts capability',
  'sep-2549-resources-': 'no resources capability',
};

const notApplicable = (scenario: string, checkId = ''): string | undefined =>
  Object.entries(NOT_APPLICABLE).find(([prefix]) => scenario.startsWith(prefix))?.[1] ??
  Object.entries(NOT_APPLICABLE_CHECKS).find(([prefix]) => checkId.startsWith(prefix))?.[1];

/** A gateway in front of /mcp: adds the bearer token, keeps everything else (Origin made same-site). */
function startProxy(target: URL, token: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const headers = { ...req.headers, host: target.host, authorization: `Bearer ${token}` };
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** The server scenarios a revision's frozen requirement set scores (`conformance list --requirements`). */
async function requiredScenarios(revision: string): Promise<Set<string>> {
  const output = await new Promise<string>((resolve) => {
    const child = spawn(NODE!, [CLI!, 'list', '--requirements', revision], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.on('exit', () => resolve(text));
  });
  const server = output.split('Client scenarios')[0];
  return new Set([...server.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]));
}

function runSuite(args: string[], outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE!, [CLI!, 'server', ...args, '-o', outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe(
  'MCP conformance suite: server scenarios (2026-07-28 and 2025-11-25)',
  { skip: !NODE || !CLI },
  () => {
    let t: TestApp;
    let proxy: Server;
    let proxyUrl: string;
    const dirs: string[] = [];

    before(async () => {
      const port = await freePort();
      proxyUrl = `http://127.0.0.1:${port}/mcp`;
      t = await startTestApp({
        extraModules: [ConformanceToolsModule],
        env: { MCP_ALLOWED_ORIGINS: `http://127.0.0.1:${port},http://localhost:${port}` },
      });
      const { tokens } = await obtainTokens(t.url, {
        email: 'conformance@example.com',
        scope: 'conformance profile:read notes:read',
        resource: `${t.url}/mcp`,
      });
      proxy = await startProxy(new URL(`${t.url}/mcp`), tokens.access_token, port);
    });
    after(async () => {
      proxy?.closeAllConnections();
      await new Promise((resolve) => proxy?.close(resolve));
      await t?.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    for (const [label, args] of [
      ['2026-07-28', ['--requirements', '2026-07-28']],
      ['2025-11-25', ['--spec-version', '2025-11-25']],
    ] as const) {
      it(`every applicable ${label} server scenario passes`, async () => {
        const outDir = await mkdtemp(join(tmpdir(), `conformance-${label}-`));
        dirs.push(outDir);
        const { output } = await runSuite(['--url', proxyUrl, ...args], outDir);
        const results = await findChecks(outDir);
        assert.ok(results.length > 20, `the suite ran:\n${output}`);
        // With --requirements the suite also runs extension scenarios it never scores (it says so).
        const required = label === '2026-07-28' ? await requiredScenarios('2026-07-28') : undefined;
        const scored = results.filter(
          (r) => !notApplicable(r.scenario, r.check.id) && (!required || required.has(r.scenario)),
        );
        const count = (list: typeof results, status: Check['status']) =>
          list.filter((r) => r.check.status === status).length;
        const scenarios = [...new Set(scored.map((r) => r.scenario))];
        const green = scenarios.filter((sc) =>
          scored.every((r) => r.scenario !== sc || r.check.status !== 'FAILURE'),
        );
        const lines = [
          `${label}: ${green.length}/${scenarios.length} applicable scenarios green; checks: ${count(scored, 'SUCCESS')} passed, ${count(scored, 'FAILURE')} failed, ${count(scored, 'WARNING')} warnings, ${count(scored, 'SKIPPED')} skipped`,
          ...[...new Set(results.map((r) => r.scenario))]
            .filter((s) => notApplicable(s))
            .map((s) => `N/A ${s}: ${notApplicable(s)}`),
          // Run by the suite but outside the requirement set (extensions, later additions): shown, not asserted.
          ...[...new Set(results.map((r) => r.scenario))]
            .filter((sc) => required && !required.has(sc) && !notApplicable(sc))
            .map(
              (sc) =>
                `not scored ${sc}: ${results.some((r) => r.scenario === sc && r.check.status === 'FAILURE') ? 'failing' : 'green'}`,
            ),
          ...scored
            .filter((r) => r.check.status === 'FAILURE' || r.check.status === 'WARNING')
            .map((r) => `${r.check.status} ${r.scenario} ${r.check.id}: ${r.check.errorMessage ?? ''}`),
        ];
        process.stdout.write(lines.map((l) => `# ${l}\n`).join(''));
        assert.deepEqual(
          scored.filter((r) => r.check.status === 'FAILURE').map((r) => `${r.scenario} ${r.check.id}`),
          [],
          lines.join('\n'),
        );
      });
    }
  },
);
