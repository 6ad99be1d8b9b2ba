import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database';
import { freePort } from './app';
import { spawnServer, waitForStatus, type ServerProcess } from './process';

export const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export interface Replica {
  readonly id: string;
  readonly port: number;
  process: ServerProcess;
}

export interface Cluster {
  /** The balancer's URL: PUBLIC_URL and issuer of every replica. */
  readonly url: string;
  readonly replicas: Replica[];
  readonly database: TestDatabase;
  /** Starts a stopped/killed replica again on the same port (and puts it back in rotation). */
  restart(replica: Replica): Promise<void>;
  /**
   * Takes a replica out of the balancer's rotation, as Kubernetes does when a pod starts terminating
   * (endpoints removed while the preStop sleep runs): nginx reloads without it, then we wait a moment.
   */
  markDown(replica: Replica): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  replicas?: number;
  env?: Record<string, string>;
}

/**
 * N real server processes (the compiled main.js, as in production) on loopback ports, sharing one
 * PostgreSQL database, behind nginx as a round-robin load balancer without sticky sessions.
 * Each replica sets `X-Served-By: replica-<n>` so tests can see who answered.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.replicas ?? 3;
  const database = await createTestDatabase();
  const lbPort = await freePort();
  const url = `http://127.0.0.1:${lbPort}`;
  const dir = await mkdtemp(join(tmpdir(), 'mcp-cluster-'));

  const envFor = (id: string, port: number): Record<string, string> => ({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    MIGRATE_ON_START: 'false',
    DEV_LOGIN: 'true',
    // One key for all replicas: a cookie signed by one must verify on the others.
    SESSION_SECRET: 'cluster-session-secret-0123456789abcdef0123456789',
    TRUST_PROXY: 'loopback',
    INSTANCE_ID: id,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    SHUTDOWN_TIMEOUT: '10',
    ...options.env,
  });

  const replicas: Replica[] = [];
  for (let i = 1; i <= count; i++) {
    const port = await freePort();
    const id = `replica-${i}`;
    replicas.push({ id, port, process: spawnServer(envFor(id, port)) });
  }
  await Promise.all(
    replicas.map((r) => waitForStatus(`http://127.0.0.1:${r.port}/readyz`, 200, 20000, r.process)),
  );

  const down = new Set<string>();
  const render = () => {
    const upstreams = replicas
      .map(
        (r) => `    server 127.0.0.1:${r.port} max_fails=1 fail_timeout=2s${down.has(r.id) ? ' down' : ''};`,
      )
      .join('\n');
    return `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
${upstreams}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${lbPort};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      # A replica that refuses connections is skipped; a request already sent is never replayed.
      proxy_next_upstream error;
    }
  }
}
`;
  };
  await writeFile(join(dir, 'nginx.conf'), render());
  const reload = async () => {
    await writeFile(join(dir, 'nginx.conf'), render());
    nginx.kill('SIGHUP');
    // New workers take the new configuration; old ones finish their requests and go.
    await new Promise((r) => setTimeout(r, 700));
  };
  const nginx: ChildProcess = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  await waitForStatus(`${url}/healthz`, 200, 10000);

  return {
    url,
    replicas,
    database,
    restart: async (replica: Replica) => {
      replica.process = spawnServer(envFor(replica.id, replica.port));
      await waitForStatus(`http://127.0.0.1:${replica.port}/readyz`, 200, 20000, replica.process);
      if (down.delete(replica.id)) await reload();
    },
    markDown: async (replica: Replica) => {
      down.add(replica.id);
      await reload();
    },
    close: async () => {
      nginx.kill('SIGTERM');
      for (const r of replicas) {
        if (r.process.child.exitCode === null && r.process.child.signalCode === null)
          r.process.child.kill('SIGKILL');
      }
      await Promise.all(replicas.map((r) => r.process.exited));
      await rm(dir, { recursive: true, force: true });
      await database.drop();
    },
  };
}

export interface PlainResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One request on its own connection (no keep-alive pool). Load tests that reload the balancer use it:
 * a pooled client connection to an nginx worker that is being retired would fail for reasons that have
 * nothing to do with the replica under test.
 */
export function requestOnce(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
