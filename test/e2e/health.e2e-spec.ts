// Checks: liveness and readiness — /healthz 200, /readyz 200 with the database up and 503
// while it refuses connections, then 200 again once it is back; security headers and request ids.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { adminQuery } from '../support/database';
import { startTestApp, type TestApp } from '../support/app';

describe('health endpoints', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await adminQuery(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await t.close();
  });

  it('GET /healthz answers 200 with no-store', async () => {
    const res = await request(t.url).get('/healthz').expect(200);
    assert.deepEqual(res.body, { status: 'ok' });
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('GET /readyz answers 200 when the database is reachable and migrated', async () => {
    const res = await request(t.url).get('/readyz').expect(200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('GET /readyz answers 503 while the database refuses connections, and recovers', async () => {
    await adminQuery(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS false`);
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
      t.database.name,
    ]);
    const down = await request(t.url).get('/readyz').expect(503);
    assert.deepEqual(down.body, { status: 'unavailable', reason: 'database_unreachable' });
    assert.equal(down.headers['cache-control'], 'no-store');
    await request(t.url).get('/healthz').expect(200);

    await adminQuery(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS true`);
    await request(t.url).get('/readyz').expect(200);
  });

  it('sends security headers and a request id, and keeps a well-formed incoming one', async () => {
    const res = await request(t.url).get('/').set('X-Request-Id', 'trace-123').expect(200);
    assert.equal(res.headers['x-request-id'], 'trace-123');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(res.headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.match(res.text, /\/\.well-known\/oauth-protected-resource\/mcp/);
    const fresh = await request(t.url).get('/healthz').set('X-Request-Id', 'bad id with spaces').expect(200);
    assert.match(fresh.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  });
});
