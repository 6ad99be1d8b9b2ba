import { createServer, type Server } from 'node:http';
import client from 'prom-client';
import type { DataSource } from 'typeorm';

// prom-client keeps one registry per process; metrics are module singletons so several app instances
// in one process (tests) share them instead of registering twice.
const registry = client.register;
let defaultsCollected = false;

const requestDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by route template, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
const pools = new Set<PoolStats>();
const poolGauge = (name: string, help: string, pick: (p: PoolStats) => number) =>
  new client.Gauge({
    name,
    help,
    collect() {
      let sum = 0;
      for (const p of pools) sum += pick(p);
      this.set(sum);
    },
  });
poolGauge('db_pool_connections', 'Open PostgreSQL connections in the pool', (p) => p.totalCount);
poolGauge('db_pool_idle_connections', 'Idle PostgreSQL connections in the pool', (p) => p.idleCount);
poolGauge('db_pool_waiting_requests', 'Queries waiting for a pool connection', (p) => p.waitingCount);

/**
 * Records one request's latency under its route template (the edge calls it for every response;
 * never the raw URL, so no ids or tokens become label values and cardinality stays bounded).
 */
export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  requestDuration.observe({ method, route, status: String(status) }, seconds);
}

/** Serves GET /metrics (Prometheus text) on its own port, apart from the public listener. */
export async function startMetricsServer(
  port: number,
  dataSource: DataSource,
  host?: string,
): Promise<Server> {
  if (!defaultsCollected) {
    client.collectDefaultMetrics();
    defaultsCollected = true;
  }
  const pool = (dataSource.driver as unknown as { master?: PoolStats }).master;
  if (pool) pools.add(pool);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) =>
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  server.on('close', () => {
    if (pool) pools.delete(pool);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
