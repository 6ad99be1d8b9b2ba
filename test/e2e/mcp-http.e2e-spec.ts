// Checks the one handler of /mcp (MCP Streamable HTTP, TR-02/05, RS-TOK-01/02): every method and content type
// answered by it — 401 challenge first, 405 with Allow, 406, 413, 415, -32700 parse errors — bodies read with
// body-parser's JSON rules (100 kb, strict, BOM, charset, Content-Encoding), and clients that leave mid-body.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/app';
import { obtainTokens } from '../support/oauth-flow';
import { abandonBody, rawRequest, type RawAnswer } from '../support/raw-http';

const ACCEPT = 'application/json, text/event-stream';
const rpc = (method: string, params: unknown = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
const rpcError = (a: RawAnswer) =>
  JSON.parse(a.body) as { error: { code: number; message: string }; id: null };

describe('/mcp: one handler for every method and content type', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await startTestApp({ env: { INSTANCE_ID: 'replica-3' } });
    token = (await obtainTokens(t.url, { email: 'mcp-http@example.com', scope: 'profile:read' })).tokens
      .access_token;
  });
  after(async () => {
    await t?.close();
  });

  /** A POST /mcp with a JSON body (bytes as given) and the usual headers, overridable. */
  const post = (body: string | Buffer, headers: Record<string, string> = {}, path = '/mcp') =>
    rawRequest(
      `${t.url}${path}`,
      'POST',
      {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: ACCEPT,
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
      [Buffer.from(body)],
    );

  /** What every /mcp answer carries, from the edge and the route. */
  const assertCommon = (a: RawAnswer) => {
    assert.ok(a.headers['x-request-id']);
    assert.equal(a.headers['x-served-by'], 'replica-3');
    assert.equal(a.headers['x-frame-options'], 'DENY');
    assert.equal(a.headers['x-content-type-options'], 'nosniff');
    assert.equal(a.headers['x-powered-by'], undefined);
    assert.equal(a.headers.etag, undefined);
  };

  it('a tokenless request of any method gets the 401 challenge first (RS-TOK-01), then 405 Allow: POST (TR-05)', async () => {
    for (const method of ['GET', 'DELETE', 'PUT', 'PATCH', 'POST']) {
      const a = await rawRequest(`${t.url}/mcp`, method, { accept: ACCEPT });
      assert.equal(a.status, 401, method);
      assert.match(a.headers['www-authenticate'], /^Bearer resource_metadata="/);
      assert.equal(a.headers['cache-control'], 'no-store');
      assertCommon(a);
    }
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const a = await rawRequest(`${t.url}/mcp`, method, { authorization: `Bearer ${token}` });
      assert.equal(a.status, 405, method);
      assert.equal(a.headers.allow, 'POST');
      assert.equal(a.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(a.body), {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: /mcp accepts POST only' },
        id: null,
      });
      assertCommon(a);
    }
    // A body sent with another method is not read (and not a parse error).
    const put = await rawRequest(
      `${t.url}/mcp`,
      'PUT',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': '3' },
      [Buffer.from('{{{')],
    );
    assert.equal(put.status, 405);
    const head = await rawRequest(`${t.url}/mcp`, 'HEAD', { authorization: `Bearer ${token}` });
    assert.equal(head.status, 405);
    assert.equal(head.body, '');
  });

  it('OPTIONS is the CORS preflight (no token needed) for allowed origins; a foreign Origin is 403 (TR-02)', async () => {
    const pre = await rawRequest(`${t.url}/mcp`, 'OPTIONS', {
      origin: t.url,
      'access-control-request-method': 'POST',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], t.url);
    assert.equal(pre.headers['access-control-allow-methods'], 'POST');
    assertCommon(pre);
    const foreign = await rawRequest(`${t.url}/mcp`, 'OPTIONS', { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    const post403 = await post(rpc('tools/list'), { origin: 'https://evil.example' });
    assert.equal(post403.status, 403);
    assert.equal(rpcError(post403).error.message, 'Forbidden: Origin not allowed');
  });

  it('200 for the plain case, with a query string, a charset, a BOM, gzip; 202 for a notification', async () => {
    const ok = await post(rpc('tools/list'));
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.headers['content-type'], 'application/json');
    assert.equal(ok.headers['cache-control'], 'no-store');
    assertCommon(ok);
    assert.ok(Array.isArray(JSON.parse(ok.body).result.tools));
    assert.equal((await post(rpc('tools/list'), {}, '/mcp?trace=1')).status, 200);
    for (const type of ['application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"']) {
      assert.equal((await post(rpc('tools/list'), { 'content-type': type })).status, 200, type);
    }
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rpc('tools/list'))]);
    assert.equal((await post(bom)).status, 200);
    const gzipped = await post(gzipSync(Buffer.from(rpc('tools/list'))), { 'content-encoding': 'gzip' });
    assert.equal(gzipped.status, 200, gzipped.body);
    const note = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    assert.equal(note.status, 202);
    assert.equal(note.body, '');
    assert.equal(note.headers['cache-control'], 'no-store');
  });

  it('bodies the JSON reader refuses: -32700 (400), too large -32600 (413), charset or encoding 415', async () => {
    for (const body of ['{"jsonrpc": "2.0", ', '"just a string"', '42', 'null']) {
      const a = await post(body);
      assert.equal(a.status, 400, body);
      assert.deepEqual(JSON.parse(a.body), {
        jsonrpc: '2.0',
        error: { code: -32700, message: 'Parse error' },
        id: null,
      });
      assert.equal(a.headers['cache-control'], 'no-store');
      assertCommon(a);
    }
    // The body is read before the token is looked at: a malformed one is a parse error even without one.
    const tokenless = await post('{', { authorization: '' });
    assert.equal(tokenless.status, 400);
    const tooLarge = { jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large' }, id: null };
    // Declared too large (refused before reading), and streamed without a length past 100 kb.
    const big = await post(JSON.stringify({ x: 'y'.repeat(200 * 1024) }));
    assert.equal(big.status, 413);
    assert.deepEqual(JSON.parse(big.body), tooLarge);
    const streamed = await rawRequest(
      `${t.url}/mcp`,
      'POST',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: ACCEPT },
      [
        Buffer.from('{"x":"'),
        Buffer.alloc(60 * 1024, 0x61),
        Buffer.alloc(60 * 1024, 0x61),
        Buffer.from('"}'),
      ],
    );
    assert.equal(streamed.status, 413);
    assert.deepEqual(JSON.parse(streamed.body), tooLarge);
    // A gzip bomb: the limit applies to the inflated bytes.
    const bomb = await post(gzipSync(Buffer.alloc(300 * 1024, 0x20)), { 'content-encoding': 'gzip' });
    assert.equal(bomb.status, 413);
    const brokenGzip = await post(rpc('tools/list'), { 'content-encoding': 'gzip' });
    assert.equal(brokenGzip.status, 400);
    assert.equal(rpcError(brokenGzip).error.code, -32700);
    for (const headers of <Record<string, string>[]>[
      { 'content-type': 'application/json; charset=utf-16' },
      { 'content-encoding': 'compress' },
    ]) {
      const a = await post(rpc('tools/list'), headers);
      assert.equal(a.status, 415, JSON.stringify(headers));
      assert.equal(rpcError(a).error.code, -32000);
    }
  });

  it('after authentication: 406 without text/event-stream, 415 for another media type, 400 without a body', async () => {
    const accept = await post(rpc('tools/list'), { accept: 'application/json' });
    assert.equal(accept.status, 406);
    assert.match(rpcError(accept).error.message, /^Not Acceptable/);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const a = await post('a=b', { 'content-type': type });
      assert.equal(a.status, 415, type);
      assert.match(rpcError(a).error.message, /^Unsupported Media Type/);
    }
    // The same with no token: the challenge comes first.
    assert.equal((await post('a=b', { 'content-type': 'text/plain', authorization: '' })).status, 401);
    const empty = await rawRequest(`${t.url}/mcp`, 'POST', {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: ACCEPT,
    });
    assert.equal(empty.status, 400);
    assert.equal(rpcError(empty).error.code, -32700);
  });

  it('a client that goes away mid-body gets nothing and breaks nothing', async () => {
    assert.equal(await abandonBody(t.url, '/mcp', 'application/json', 'destroy'), '');
    const halfClosed = await abandonBody(t.url, '/mcp', 'application/json', 'end');
    assert.doesNotMatch(halfClosed, /^HTTP\/1\.1 5/);
    assert.equal((await post(rpc('tools/list'))).status, 200);
  });
});
