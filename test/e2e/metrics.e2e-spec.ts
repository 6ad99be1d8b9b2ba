// Checks the metrics: Prometheus text on the separate METRICS_PORT listener only — HTTP latency by route
// template and status, DB pool usage, process metrics, counters derived from audit events; no user data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '@app/audit';
import { freePort, startTestApp, type TestApp } from '../support/app';

describe('GET /metrics', () => {
  let t: TestApp;
  let metricsUrl: string;
  before(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    t = await startTestApp({ env: { METRICS_PORT: String(port) } });
  });
  after(async () => {
    await t.close();
  });

  it('serves Prometheus text on the metrics port and nothing on the public one', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${t.url}/readyz?token=secret-value-123`)).status, 200);
    await t.app.get(AuditLog).record({ type: 'token.issued', userId: null, clientId: 'c1' });

    const res = await fetch(metricsUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const body = await res.text();
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} [3-9]/,
    );
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="GET",route="\/readyz",status="200"\} \d+/,
    );
    assert.match(body, /^db_pool_connections \d+/m);
    assert.match(body, /^process_cpu_user_seconds_total /m);
    assert.match(body, /mcp_auth_events_total\{type="token\.issued"\} [1-9]/);
    assert.doesNotMatch(body, /secret-value-123/, 'query strings never become label values');

    assert.equal((await fetch(`${t.url}/metrics`)).status, 404, 'not exposed on the public port');
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/other'))).status, 404);
  });
});
