// Checks that the Helm chart's pods start: the chart rendered by the real helm with the minimal and the
// production-like values, the migration Job's command run with the Job's resolved environment on an
// empty database, then the Deployment's command started with exactly the pod's resolved environment
// (ConfigMap, env, Secret references filled with working values): /readyz answers 200, every probe path
// answers, metrics are served on the metrics port, and SIGTERM exits 0.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitForStatus, type ServerProcess } from '../support/process';
import {
  MINIMAL_VALUES,
  PRODUCTION_VALUES,
  ROOT,
  containers,
  find,
  renderChart,
  resolveEnv,
  secretsFor,
} from './render';

/** Runs a container's command as the image would (WORKDIR = the repository's layout: dist/...). */
function command(container: Record<string, unknown>): [string, string[]] {
  const [program, ...rest] = container.command as string[];
  assert.equal(program, 'node');
  return [process.execPath, [...rest, ...((container.args as string[] | undefined) ?? [])]];
}

describe('the chart pods start (rendered environment, real migration Job, real server)', () => {
  const databases: TestDatabase[] = [];
  const children: ServerProcess[] = [];
  after(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    for (const db of databases) await db.drop().catch(() => undefined);
  });

  for (const [name, file] of [
    ['minimal', MINIMAL_VALUES],
    ['production-like', PRODUCTION_VALUES],
  ] as const) {
    it(`migrates with the Job and boots the Deployment's pod (${name} values)`, async () => {
      const objects = renderChart([file]);
      const db = await createTestDatabase({ empty: true });
      databases.push(db);
      const secrets = secretsFor(name === 'minimal' ? 'minimal' : 'production', db.url);
      const { server, migrate } = containers(objects);

      // The pre-install hook: the Job's command with the Job's environment, nothing else.
      const [jobProgram, jobArgs] = command(migrate);
      const job = spawnSync(jobProgram, jobArgs, {
        cwd: ROOT,
        env: resolveEnv(objects, migrate, secrets),
        encoding: 'utf8',
      });
      assert.equal(job.status, 0, job.stdout + job.stderr);
      assert.match(job.stdout, /^applied migrations: /);

      // The pod. Every container has its own network namespace in Kubernetes; here the ports the chart
      // sets (checked against the container's declared ports) are swapped for free ones.
      const env = resolveEnv(objects, server, secrets);
      const ports = Object.fromEntries(
        (server.ports as { name: string; containerPort: number }[]).map((p) => [p.name, p.containerPort]),
      );
      assert.equal(env.PORT, String(ports.http));
      assert.equal(env.METRICS_PORT, String(ports.metrics));
      const http = await freePort();
      const metrics = await freePort();
      env.PORT = String(http);
      env.METRICS_PORT = String(metrics);
      const [program, args] = command(server);
      let out = '';
      const child = spawn(program, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const proc: ServerProcess = { child, output: () => out, exited };
      children.push(proc);

      await waitForStatus(`http://127.0.0.1:${http}/readyz`, 200, 30000, proc);
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        const path = (server[probe] as { httpGet: { path: string; port: string } }).httpGet;
        assert.equal(path.port, 'http');
        assert.equal((await fetch(`http://127.0.0.1:${http}${path.path}`)).status, 200, probe);
      }
      const scraped = await fetch(`http://127.0.0.1:${metrics}/metrics`);
      assert.equal(scraped.status, 200);
      assert.match(await scraped.text(), /http_request_duration_seconds/);
      // The advertised issuer is the chart's public URL.
      const metadata = (await (
        await fetch(`http://127.0.0.1:${http}/.well-known/oauth-authorization-server`)
      ).json()) as { issuer: string };
      assert.equal(metadata.issuer, find(objects, 'ConfigMap').data.PUBLIC_URL);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
    });
  }
});
