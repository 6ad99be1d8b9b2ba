// Checks issue #7: POST /mcp answered on node:http in front of Express gives exactly the answers of the
// Express route (status, body, security headers, challenges: RS-TOK-01/02, TR-02, TR-09, body limit,
// -32700), X-Request-Id and X-Served-By; batched background audit events are all written, in order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '@app/audit';
import { startTestApp, type TestApp } from '../support/app';
import { obtainTokens } from '../support/oauth-flow';

/** Headers that legitimately differ between two responses (or that Express alone adds: ETag). */
const VOLATILE = new Set(['date', 'x-request-id', 'etag', 'connection', 'keep-alive', 'content-length']);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describe('/mcp fast path (node:http) answers like the Express route', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await startTestApp({ env: { INSTANCE_ID: 'replica-7' } });
    token = (await obtainTokens(t.url, { email: 'fast@example.com', scope: 'profile:read' })).tokens
      .access_token;
  });
  after(async () => {
    await t?.close();
  });

  const send = async (path: string, init: RequestInit): Promise<Answer> => {
    const res = await fetch(`${t.url}${path}`, { method: 'POST', ...init });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => (headers[name] = value));
    return { status: res.status, headers, body: await res.text() };
  };
  /** The same request on the fast path (/mcp) and on Express (/mcp?via=express: a query string is not fast). */
  const both = async (init: RequestInit) => {
    const fast = await send('/mcp', init);
    const express = await send('/mcp?via=express', init);
    const stable = (a: Answer) => ({
      status: a.status,
      body: a.body,
      headers: Object.fromEntries(Object.entries(a.headers).filter(([n]) => !VOLATILE.has(n))),
    });
    assert.deepEqual(stable(fast), stable(express));
    return { fast, express };
  };
  const headers = (extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extra,
  });
  const rpc = (method: string, params: unknown = {}) =>
    JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });

  it('the 401 challenges (no token, impossible token, unknown token) are identical', async () => {
    for (const auth of [undefined, 'Bearer mcp_at_invalid', `Bearer mcp_at_${'Q'.repeat(43)}`, 'Basic abc']) {
      const { fast, express } = await both({
        headers: headers(auth ? { authorization: auth } : {}),
        body: rpc('tools/list'),
      });
      assert.equal(fast.status, 401, String(auth));
      assert.match(fast.headers['www-authenticate'], /^Bearer (error="invalid_token", )?resource_metadata="/);
      assert.equal(fast.headers['cache-control'], 'no-store');
      assert.equal(fast.headers['x-served-by'], 'replica-7');
      assert.equal(fast.headers['x-frame-options'], 'DENY');
      assert.match(fast.headers['content-security-policy'], /frame-ancestors 'none'/);
      // Proof the two paths differ: Express adds an ETag to res.json() bodies, the fast path does not.
      assert.equal(fast.headers.etag, undefined);
      assert.ok(express.headers.etag);
    }
  });

  it('Origin 403, unsupported protocol version 400, parse error -32700, body too large 413, 406 and 200', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const forbidden = await both({
      headers: headers({ ...auth, origin: 'https://evil.example' }),
      body: rpc('tools/list'),
    });
    assert.equal(forbidden.fast.status, 403);
    const version = await both({
      headers: headers({ ...auth, 'mcp-protocol-version': '2024-11-05' }),
      body: rpc('tools/list'),
    });
    assert.equal(version.fast.status, 400);
    const broken = await both({ headers: headers(auth), body: '{"jsonrpc": "2.0", ' });
    assert.deepEqual(JSON.parse(broken.fast.body), {
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
      id: null,
    });
    const scalar = await both({ headers: headers(auth), body: '"just a string"' });
    assert.equal(scalar.fast.status, 400);
    const notRpc = await both({ headers: headers(auth), body: '{"hello":"world"}' });
    assert.equal(JSON.parse(notRpc.fast.body).error.code, -32700);
    const big = await both({ headers: headers(auth), body: JSON.stringify({ x: 'y'.repeat(200 * 1024) }) });
    assert.equal(big.fast.status, 413);
    assert.equal(JSON.parse(big.fast.body).error.code, -32600);
    const accept = await both({
      headers: headers({ ...auth, accept: 'application/json' }),
      body: rpc('tools/list'),
    });
    assert.equal(accept.fast.status, 406);
    const ok = await both({ headers: headers({ ...auth, origin: t.url }), body: rpc('tools/list') });
    assert.equal(ok.fast.status, 200);
    assert.equal(ok.fast.headers['content-type'], 'application/json');
    assert.equal(ok.fast.headers['access-control-allow-origin'], t.url);
    const unknown = await both({ headers: headers(auth), body: rpc('resources/list') });
    assert.deepEqual(JSON.parse(unknown.fast.body).error, { code: -32601, message: 'Method not found' });
    const note = await both({
      headers: headers(auth),
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    assert.equal(note.fast.status, 202);
  });

  it('keeps a well-formed X-Request-Id and makes one up otherwise', async () => {
    const kept = await send('/mcp', {
      headers: headers({ 'x-request-id': 'abc-123' }),
      body: rpc('tools/list'),
    });
    assert.equal(kept.headers['x-request-id'], 'abc-123');
    const made = await send('/mcp', {
      headers: headers({ 'x-request-id': 'bad id!' }),
      body: rpc('tools/list'),
    });
    assert.match(made.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  });

  it('batched background audit events: every one written, in order, with its fields', async () => {
    const audit = t.app.get(AuditLog);
    for (let i = 0; i < 450; i++) {
      audit.recordInBackground({
        type: 'test.batched',
        userId: null,
        clientId: `client-${i}`,
        ip: '192.0.2.1',
        detail: { n: i },
      });
    }
    await audit.flush();
    const rows: { client_id: string; ip: string; detail: { n: number } }[] = await t.dataSource.query(
      `SELECT client_id, ip, detail FROM audit_events WHERE type = 'test.batched' ORDER BY id`,
    );
    assert.equal(rows.length, 450);
    assert.deepEqual(
      rows.map((r) => r.detail.n),
      [...Array(450).keys()],
    );
    assert.equal(rows[7].client_id, 'client-7');
    assert.equal(rows[7].ip, '192.0.2.1');
  });
});
