// Checks: three replicas behind nginx (round robin, no sticky sessions) share everything through
// PostgreSQL (LB-01..LB-09): requests spread over replicas, identical discovery documents on every replica
// with the public URL (LB-07, RS-PRM-11), and a graceful SIGTERM under load loses no request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { NGINX, requestOnce, startCluster, type Cluster } from '../support/cluster';

describe(
  'several replicas behind a load balancer',
  { skip: !existsSync(NGINX) && process.env.CI !== 'true' },
  () => {
    let c: Cluster;
    before(async () => {
      c = await startCluster({ replicas: 3 });
    });
    after(async () => {
      await c.close();
    });

    it('spreads consecutive requests over every replica', async () => {
      const served = new Set<string>();
      for (let i = 0; i < 9; i++) {
        const res = await fetch(`${c.url}/healthz`);
        assert.equal(res.status, 200);
        served.add(res.headers.get('x-served-by') ?? 'none');
      }
      assert.deepEqual([...served].sort(), ['replica-1', 'replica-2', 'replica-3']);
    });

    it('serves identical discovery documents naming the public URL from every replica (LB-07)', async () => {
      const bodies = new Map<string, string>();
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${c.url}/.well-known/oauth-authorization-server`);
        bodies.set(res.headers.get('x-served-by') ?? 'none', await res.text());
      }
      assert.equal(bodies.size, 3);
      assert.equal(new Set(bodies.values()).size, 1, 'every replica publishes the same document');
      const doc = JSON.parse([...bodies.values()][0]) as { issuer: string };
      assert.equal(doc.issuer, c.url);
    });

    it('SIGTERM of one replica under load: in-flight requests finish, no errors, exit code 0', async () => {
      const victim = c.replicas[1];
      let ok = 0;
      const failures: string[] = [];
      let stop = false;
      const worker = async () => {
        while (!stop) {
          try {
            const res = await requestOnce(`${c.url}/readyz`);
            // A draining replica answers /readyz 503 on purpose; anything else is an error.
            if (res.status === 200 || (res.status === 503 && res.headers['x-served-by'] === victim.id)) ok++;
            else failures.push(`${res.status} from ${String(res.headers['x-served-by'])}`);
          } catch (error) {
            failures.push(String(error));
          }
        }
      };
      const workers = Array.from({ length: 10 }, worker);
      await new Promise((r) => setTimeout(r, 300));
      await c.markDown(victim); // as Kubernetes does during preStop
      victim.process.child.kill('SIGTERM');
      const code = await victim.process.exited;
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(workers);
      assert.equal(code, 0, victim.process.output());
      assert.deepEqual(failures, [], `failed requests: ${failures.join(' | ')}`);
      assert.ok(ok > 50, `completed ${ok} requests`);
      process.stdout.write(`# SIGTERM under load: ${ok} requests, ${failures.length} errors, exit ${code}\n`);
      await c.restart(victim);
    });
  },
);
