// Checks the edge (apps/server/src/edge.ts): what every response carries is written once and reaches the node:http
// routes (/mcp, token) and Express alike — X-Request-Id (RS-TOK-09 access log without secrets), X-Served-By,
// helmet's security headers, the access-log line, the latency histogram by route template, and the client IP
// under TRUST_PROXY (the registration rate limit on Express counts the same forwarded address, AS-REG-11).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { freePort, startTestApp, type TestApp } from '../support/app';

interface LogLine {
  msg: string;
  req?: Record<string, unknown>;
  res?: Record<string, unknown>;
  responseTime?: number;
}

describe('the edge: one place for what every response carries', () => {
  let t: TestApp;
  let metricsUrl: string;
  const lines: LogLine[] = [];
  before(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    t = await startTestApp({
      env: {
        INSTANCE_ID: 'edge-1',
        METRICS_PORT: String(port),
        TRUST_PROXY: '1',
        RATE_LIMIT_REGISTER_PER_HOUR: '1',
      },
      logger,
    });
  });
  after(async () => {
    await t?.close();
  });

  /** One request on each path: node:http routes and Express (route, page, 404). */
  const requests: [string, RequestInit][] = [
    ['/mcp', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
    ['/mcp', { method: 'GET' }],
    [
      '/api/oauth/token?refresh_token=leaked-in-url',
      { method: 'POST', body: new URLSearchParams({ a: 'b' }) },
    ],
    ['/.well-known/oauth-authorization-server', {}],
    ['/oauth/authorize?client_id=nobody&code=secret-code-1', {}],
    ['/healthz', {}],
    ['/no-such-page', {}],
  ];

  it('X-Request-Id, X-Served-By and the security headers on every path; no X-Powered-By', async () => {
    for (const [path, init] of requests) {
      const res = await fetch(`${t.url}${path}`, init);
      await res.arrayBuffer();
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, path);
      assert.equal(res.headers.get('x-served-by'), 'edge-1', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin', path);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
      assert.equal(res.headers.get('x-powered-by'), null, path);
      // A well-formed incoming id is kept, on either path.
      const kept = await fetch(`${t.url}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'x-request-id': 'trace-7.a:b' },
      });
      await kept.arrayBuffer();
      assert.equal(kept.headers.get('x-request-id'), 'trace-7.a:b', path);
    }
  });

  it('one access-log line per response, with request id, method, redacted URL, status and time; none for probes', async () => {
    lines.length = 0;
    const ids: string[] = [];
    for (const [path, init] of requests) {
      const res = await fetch(`${t.url}${path}`, init);
      await res.arrayBuffer();
      ids.push(res.headers.get('x-request-id')!);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const access = lines.filter((l) => l.msg === 'request completed');
    for (const [i, [path, init]] of requests.entries()) {
      const mine = access.filter((l) => l.req?.id === ids[i]);
      if (path === '/healthz') {
        assert.equal(mine.length, 0, 'probes are not logged');
        continue;
      }
      assert.equal(mine.length, 1, path);
      const [line] = mine;
      assert.deepEqual(Object.keys(line.req!).sort(), ['id', 'method', 'url']);
      assert.equal(line.req!.method, init.method ?? 'GET');
      assert.deepEqual(Object.keys(line.res!), ['statusCode']);
      assert.equal(typeof line.responseTime, 'number');
    }
    const text = JSON.stringify(lines);
    assert.doesNotMatch(text, /leaked-in-url|secret-code-1/);
    assert.match(text, /refresh_token=\[REDACTED\]/);
    assert.match(text, /code=\[REDACTED\]/);
  });

  it('the latency histogram labels node:http routes and Express routes by template', async () => {
    const body = await (await fetch(metricsUrl)).text();
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="POST",route="\/mcp",status="401"\} [1-9]/,
    );
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="GET",route="\/mcp",status="401"\} [1-9]/,
    );
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="POST",route="\/api\/oauth\/token",status="400"\} [1-9]/,
    );
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} [1-9]/,
    );
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]/,
    );
    assert.doesNotMatch(body, /leaked-in-url|no-such-page/);
  });

  it('TRUST_PROXY: Express routes see the forwarded client IP the edge computed (registration rate limit)', async () => {
    const register = (ip: string) =>
      fetch(`${t.url}/api/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ client_name: 'edge', redirect_uris: ['http://127.0.0.1:9/cb'] }),
      });
    assert.equal((await register('203.0.113.1')).status, 201);
    assert.equal((await register('203.0.113.1')).status, 429);
    assert.equal((await register('203.0.113.2')).status, 201);
  });
});
