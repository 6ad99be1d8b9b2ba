// Checks MCP 2026-07-28 on /mcp over raw HTTP (dual-era): server/discover, per-request _meta and the
// Mcp-* headers, the modern errors with their HTTP statuses (-32602/400, -32020/400, -32022/400,
// -32601/404, no batches), request ids on every error, caching hints and serverInfo on results, the
// legacy era unchanged (initialize negotiates in its body), malformed tool arguments as -32602 in both
// eras, and every kind of result the tool API produces (content blocks, structured content checked
// against its output schema, isError, progress and log notifications on the request's own SSE stream,
// MRTR with a sealed requestState). Never a 5xx.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession } from '../support/http-session';
import { obtainTokens } from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';
import { PNG_1X1, RESULTS_SCOPE, ResultToolsModule } from '../support/result-tools';

const V = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': V,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-e2e', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Answer {
  status: number;
  contentType: string | null;
  body: Json;
  /** SSE events (parsed data lines), when the answer was a stream. */
  events: Json[];
  headers: Headers;
}

describe('/mcp in MCP 2026-07-28 (raw HTTP)', () => {
  let t: TestApp;
  let token: string;
  let otherToken: string;
  let nextId = 1;
  const statuses: number[] = [];

  /** One POST; `headers` override the modern headers derived from the body (null removes one). */
  async function post(
    body: unknown,
    headers: Record<string, string | null> = {},
    bearer = token,
  ): Promise<Answer> {
    const message = body as Json;
    const derived: Record<string, string> = {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      authorization: `Bearer ${bearer}`,
    };
    if (!Array.isArray(body) && message?.params?._meta?.['io.modelcontextprotocol/protocolVersion']) {
      derived['mcp-protocol-version'] = message.params._meta['io.modelcontextprotocol/protocolVersion'];
      derived['mcp-method'] = message.method;
      if (typeof message.params.name === 'string') derived['mcp-name'] = message.params.name;
    }
    for (const [name, value] of Object.entries(headers)) {
      if (value === null) delete derived[name];
      else derived[name] = value;
    }
    const res = await fetch(`${t.url}/mcp`, { method: 'POST', headers: derived, body: JSON.stringify(body) });
    statuses.push(res.status);
    const text = await res.text();
    const contentType = res.headers.get('content-type');
    if (contentType?.startsWith('text/event-stream')) {
      const events = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]) as Json);
      return { status: res.status, contentType, body: events.at(-1)!, events, headers: res.headers };
    }
    const parsed = text ? (JSON.parse(text) as Json) : {};
    return { status: res.status, contentType, body: parsed, events: [], headers: res.headers };
  }

  const modern = (method: string, params: Json = {}, meta: Json = META) => ({
    jsonrpc: '2.0',
    id: nextId++,
    method,
    params: { ...params, _meta: meta },
  });
  const call = (name: string, args: Json = {}, extra: Json = {}, meta: Json = META) =>
    modern('tools/call', { name, arguments: args, ...extra }, meta);

  before(async () => {
    t = await startTestApp({ extraModules: [ResultToolsModule], env: { ADMIN_EMAILS: 'olga@example.com' } });
    const resource = `${t.url}/mcp`;
    const scope = `${RESULTS_SCOPE} notes:write profile:read`;
    token = (await obtainTokens(t.url, { email: 'carol@example.com', scope, resource })).tokens.access_token;
    otherToken = (await obtainTokens(t.url, { email: 'dave@example.com', scope, resource })).tokens
      .access_token;
  });
  after(async () => {
    await t.close();
    assert.ok(
      statuses.every((s) => s < 500),
      `no 5xx: ${statuses.join(' ')}`,
    );
  });

  it('server/discover: versions, capabilities, serverInfo in _meta, caching hints', async () => {
    const request = modern('server/discover');
    const res = await post(request);
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'application/json');
    assert.deepEqual(res.body, {
      jsonrpc: '2.0',
      id: request.id,
      result: {
        resultType: 'complete',
        supportedVersions: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
        capabilities: { tools: { listChanged: false }, logging: {} },
        ttlMs: 3600000,
        cacheScope: 'public',
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: t.config.productName, version: '0.1.0' } },
      },
    });
  });

  it('tools/list: complete, private caching hints, sorted, JSON Schema 2020-12, scopes in _meta', async () => {
    const res = await post(modern('tools/list'));
    assert.equal(res.status, 200);
    const { result } = res.body;
    assert.equal(result.resultType, 'complete');
    assert.equal(result.ttlMs, 300000);
    assert.equal(result.cacheScope, 'private');
    const names = (result.tools as Json[]).map((x): string => x.name as string);
    assert.deepEqual(names, [...names].sort());
    const structured = result.tools.find((x: Json) => x.name === 'result_structured');
    assert.equal(structured.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(structured.outputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(structured.outputSchema.required, ['city', 'celsius']);
    assert.deepEqual(structured._meta, { 'dev.mcp-auth-server/requiredScopes': [RESULTS_SCOPE] });
  });

  it('a missing _meta or a missing required _meta field: -32602, 400, with the id', async () => {
    const bare = { jsonrpc: '2.0', id: 'x1', method: 'tools/list', params: {} };
    for (const [body, headers] of [
      [bare, { 'mcp-protocol-version': V, 'mcp-method': 'tools/list' }],
      [modern('tools/list', {}, { 'io.modelcontextprotocol/protocolVersion': V }), {}],
      [
        modern('tools/list', {}, { 'io.modelcontextprotocol/clientCapabilities': {} }),
        { 'mcp-protocol-version': V, 'mcp-method': 'tools/list' },
      ],
    ] as const) {
      const res = await post(body, headers);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, -32602);
      assert.equal(res.body.id, (body as Json).id);
      assert.ok(res.body.error.message.length < 200);
    }
  });

  it('an unknown version: UnsupportedProtocolVersionError (-32022, 400) listing what is supported', async () => {
    const request = modern(
      'tools/list',
      {},
      { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' },
    );
    const res = await post(request);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      jsonrpc: '2.0',
      id: request.id,
      error: {
        code: -32022,
        message: 'Unsupported protocol version',
        data: {
          supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
          requested: '2099-01-01',
        },
      },
    });
  });

  it('headers that do not match the body, or are missing: HeaderMismatch (-32020, 400)', async () => {
    const cases: [Json, Record<string, string | null>][] = [
      [modern('tools/list'), { 'mcp-protocol-version': '2025-11-25' }],
      [modern('tools/list'), { 'mcp-protocol-version': null }],
      [modern('tools/list'), { 'mcp-method': 'tools/call' }],
      [modern('tools/list'), { 'mcp-method': 'TOOLS/LIST' }],
      [modern('tools/list'), { 'mcp-method': null }],
      [call('result_error'), { 'mcp-name': 'result_content' }],
      [call('result_error'), { 'mcp-name': null }],
    ];
    for (const [body, headers] of cases) {
      const res = await post(body, headers);
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.equal(res.body.error.code, -32020, JSON.stringify(res.body));
      assert.equal(res.body.id, body.id);
    }
    // Mcp-Name may carry the name in the base64 form (Streamable HTTP §Value Encoding).
    const encoded = `=?base64?${Buffer.from('result_error').toString('base64')}?=`;
    const ok = await post(call('result_error'), { 'mcp-name': encoded });
    assert.equal(ok.status, 200);
  });

  it('x-mcp-header parameters must come in their Mcp-Param-* headers, equal to the arguments', async () => {
    const listed = (await post(modern('tools/list'))).body.result.tools as Json[];
    const tool = listed.find((x) => x.name === 'result_headers')!;
    assert.equal(tool.inputSchema.properties.region['x-mcp-header'], 'Region');
    const b64 = (v: string) => `=?base64?${Buffer.from(v).toString('base64')}?=`;
    const ok: Record<string, string>[] = [
      { 'mcp-param-region': 'eu-west' },
      { 'mcp-param-region': b64('eu-west') },
      { 'mcp-param-region': 'eu-west', 'mcp-param-shard': '7' },
    ];
    for (const [i, headers] of ok.entries()) {
      const args = i === 2 ? { region: 'eu-west', shard: 7 } : { region: 'eu-west' };
      const res = await post(call('result_headers', args), headers);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.result.isError, undefined);
    }
    const refused: [Json, Record<string, string>][] = [
      [{ region: 'eu-west' }, {}],
      [{ region: 'eu-west' }, { 'mcp-param-region': 'us-east' }],
      [{ region: 'eu-west' }, { 'mcp-param-region': '=?base64?ZXUtd2VzdA?=' }],
      [{ region: 'eu-west', shard: 7 }, { 'mcp-param-region': 'eu-west' }],
      [
        { region: 'eu-west', shard: 7 },
        { 'mcp-param-region': 'eu-west', 'mcp-param-shard': '8' },
      ],
    ];
    for (const [args, headers] of refused) {
      const res = await post(call('result_headers', args), headers);
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.equal(res.body.error.code, -32020);
    }
  });

  it('a batch is refused (one message per POST); unknown and removed methods are 404 -32601', async () => {
    const batch = await post([modern('tools/list'), modern('tools/list')], {
      'mcp-protocol-version': V,
      'mcp-method': 'tools/list',
    });
    assert.equal(batch.status, 400);
    assert.deepEqual(batch.body.error.code, -32600);
    assert.equal(batch.body.id, null);
    for (const method of [
      'initialize',
      'ping',
      'logging/setLevel',
      'resources/list',
      'subscriptions/listen',
      'x/y',
    ]) {
      const request = modern(method);
      const res = await post(request);
      assert.equal(res.status, 404, method);
      assert.deepEqual(res.body, {
        jsonrpc: '2.0',
        id: request.id,
        error: { code: -32601, message: 'Method not found' },
      });
    }
  });

  it('malformed tool arguments: -32602 with a short message, in both eras; bad values are a tool error', async () => {
    const modernBad = await post(call('result_structured', 'not an object' as unknown as Json));
    assert.equal(modernBad.status, 400);
    assert.equal(modernBad.body.error.code, -32602);
    assert.ok(modernBad.body.error.message.length < 200, modernBad.body.error.message);
    const legacy = await post({
      jsonrpc: '2.0',
      id: 77,
      method: 'tools/call',
      params: { name: 'result_structured', arguments: ['x'] },
    });
    assert.equal(legacy.status, 200);
    assert.equal(legacy.body.id, 77);
    assert.equal(legacy.body.error.code, -32602);
    assert.ok(legacy.body.error.message.length < 200, legacy.body.error.message);
    assert.doesNotMatch(legacy.body.error.message, /"code"|\[\s*\{/);
    const wrongType = await post(call('result_structured', { city: 5 }));
    assert.equal(wrongType.status, 200);
    assert.equal(wrongType.body.result.isError, true);
    assert.match(wrongType.body.result.content[0].text, /^Invalid arguments for result_structured: city:/);
  });

  it('hostile shapes get a 4xx JSON-RPC error, never a 5xx', async () => {
    const h = { 'mcp-protocol-version': V, 'mcp-method': 'tools/call', 'mcp-name': 'result_error' };
    const cases: [unknown, Record<string, string | null>][] = [
      [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: [] }, h],
      [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: [] } }, h],
      [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { _meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': 'x' } },
        },
        h,
      ],
      [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': 7 } },
        },
        h,
      ],
      [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { _meta: { ...META, 'io.modelcontextprotocol/logLevel': 'loud' } },
        },
        h,
      ],
      [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { ...META, progressToken: {} } } }, h],
      [{ jsonrpc: '2.0', id: { x: 1 }, method: 'tools/call', params: { _meta: META } }, h],
      [{ jsonrpc: '1.0', id: 1, method: 'tools/call', params: { _meta: META } }, h],
      [{ jsonrpc: '2.0', id: 1, method: 5, params: { _meta: META } }, h],
      [{ jsonrpc: '2.0', id: 1, result: {}, params: { _meta: META } }, h],
      [
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'result_error', _meta: META } },
        { ...h, 'mcp-name': '=?base64?***?=' },
      ],
      [call('result_error', {}, { requestState: { not: 'a string' } }), {}],
      [call('result_error', {}, { inputResponses: 'nope' }), {}],
      [call('result_structured', { city: 'x'.repeat(50_000) }), {}],
      ['just a string', h],
      [42, h],
    ];
    for (const [body, headers] of cases) {
      const res = await post(body, headers);
      assert.ok(res.status < 500, `${res.status} for ${JSON.stringify(body).slice(0, 120)}`);
      if (res.status >= 400) assert.equal(typeof res.body.error?.code, 'number', JSON.stringify(res.body));
    }
  });

  it('legacy era unchanged: initialize negotiates in its body even with a modern header', async () => {
    const res = await post(
      {
        jsonrpc: '2.0',
        id: 5,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'old', version: '1' },
        },
      },
      { 'mcp-protocol-version': V },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.result.protocolVersion, '2025-06-18');
    assert.equal(res.body.result.resultType, undefined);
  });

  it('tool results: every content block kind, with resultType and serverInfo', async () => {
    const res = await post(call('result_content'));
    assert.equal(res.status, 200);
    const { result } = res.body;
    assert.equal(result.resultType, 'complete');
    assert.equal(result._meta['io.modelcontextprotocol/serverInfo'].name, t.config.productName);
    assert.deepEqual(result.content, [
      { type: 'text', text: 'hello' },
      { type: 'image', data: PNG_1X1, mimeType: 'image/png' },
      { type: 'audio', data: Buffer.from('RIFF').toString('base64'), mimeType: 'audio/wav' },
      { type: 'resource', resource: { uri: 'test://note.txt', mimeType: 'text/plain', text: 'embedded' } },
      {
        type: 'resource',
        resource: { uri: 'test://blob.bin', mimeType: 'application/octet-stream', blob: 'AQI=' },
      },
      { type: 'resource_link', uri: 'https://example.com/doc', name: 'doc', mimeType: 'text/html' },
    ]);
  });

  it('tool results: structured content matching the output schema; a mismatch never leaves the server', async () => {
    const res = await post(call('result_structured', { city: 'Oslo' }));
    assert.deepEqual(res.body.result.structuredContent, { city: 'Oslo', celsius: 21.5 });
    assert.deepEqual(res.body.result.content, [{ type: 'text', text: '{"city":"Oslo","celsius":21.5}' }]);
    const broken = await post(call('result_broken_output'));
    assert.equal(broken.body.result.isError, true);
    assert.equal(broken.body.result.structuredContent, undefined);
  });

  it('tool results: isError with the tool message', async () => {
    const res = await post(call('result_error'));
    assert.deepEqual(res.body.result.content, [
      { type: 'text', text: 'That did not work: try another city' },
    ]);
    assert.equal(res.body.result.isError, true);
  });

  it('progress and log notifications come on the request own SSE stream, only when asked for', async () => {
    const asked = await post(
      call(
        'result_progress',
        {},
        {},
        { ...META, progressToken: 'p-1', 'io.modelcontextprotocol/logLevel': 'info' },
      ),
    );
    assert.equal(asked.status, 200);
    assert.equal(asked.contentType, 'text/event-stream');
    assert.equal(asked.headers.get('x-accel-buffering'), 'no');
    assert.deepEqual(
      asked.events.slice(0, -1).map((e): unknown[] => [e.method, e.params.progress ?? e.params.level]),
      [
        ['notifications/progress', 1],
        ['notifications/progress', 2],
        ['notifications/message', 'warning'],
        ['notifications/progress', 3],
      ],
    );
    assert.deepEqual(asked.events[0].params, {
      progressToken: 'p-1',
      progress: 1,
      total: 3,
      message: 'first',
    });
    assert.equal(asked.body.result.content[0].text, 'finished');
    // Without progressToken and logLevel: no notification, plain JSON (2026-07-28 logging: never without logLevel).
    const plain = await post(call('result_progress'));
    assert.equal(plain.contentType, 'application/json');
    assert.equal(plain.body.result.content[0].text, 'finished');
  });

  it('MRTR: input required, retry with inputResponses and the sealed requestState', async () => {
    const first = await post(call('result_confirm', { what: 'delete it' }));
    assert.equal(first.status, 200);
    const ir = first.body.result;
    assert.equal(ir.resultType, 'input_required');
    assert.equal(ir.inputRequests.confirm.method, 'elicitation/create');
    assert.equal(ir.inputRequests.confirm.params.message, 'Really delete it?');
    assert.equal(typeof ir.requestState, 'string');
    const accept = { confirm: { action: 'accept', content: { ok: true } } };
    const done = await post(
      call(
        'result_confirm',
        { what: 'delete it' },
        { inputResponses: accept, requestState: ir.requestState },
      ),
    );
    assert.equal(done.body.result.resultType, 'complete');
    assert.equal(done.body.result.content[0].text, 'Confirmed: delete it');
    // The state is bound to the person, the tool and its arguments, and sealed.
    for (const [args, state, bearer] of [
      [{ what: 'something else' }, ir.requestState, token],
      [{ what: 'delete it' }, `${ir.requestState}x`, token],
      [{ what: 'delete it' }, ir.requestState, otherToken],
    ] as const) {
      const res = await post(
        call('result_confirm', args, { inputResponses: accept, requestState: state }),
        {},
        bearer,
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, -32602);
    }
    // A client that did not declare elicitation cannot be asked: -32021 naming the capability.
    const noCapability = await post(
      call(
        'result_confirm',
        { what: 'x' },
        {},
        { ...META, 'io.modelcontextprotocol/clientCapabilities': {} },
      ),
    );
    assert.equal(noCapability.status, 400);
    assert.equal(noCapability.body.error.code, -32021);
    assert.deepEqual(noCapability.body.error.data, { requiredCapabilities: { elicitation: {} } });
  });

  it('tools/list hides a tool whose scope the person can never be granted (admin), shows it to an admin', async () => {
    const names = async (bearer: string) =>
      ((await post(modern('tools/list'), {}, bearer)).body.result.tools as Json[]).map(
        (x) => x.name as string,
      );
    assert.ok(!(await names(token)).includes('result_admin'));
    const session = new HttpSession(t.url);
    await signInWithDevLogin(session, { email: 'olga@example.com' });
    // The dev login is self-asserted; a real provider would have verified this address.
    await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = 'olga@example.com'`);
    const olga = await obtainTokens(t.url, { email: 'olga@example.com', session, resource: `${t.url}/mcp` });
    assert.equal(olga.tokens.scope, 'profile:read notes:read', 'signed in with the default scopes only');
    assert.ok((await names(olga.tokens.access_token)).includes('result_admin'));
  });

  it('tools/call without the scope: the 403 step-up challenge, with the request id', async () => {
    const narrow = (
      await obtainTokens(t.url, {
        email: 'erin@example.com',
        scope: 'profile:read',
        resource: `${t.url}/mcp`,
      })
    ).tokens.access_token;
    const list = await post(modern('tools/list'), {}, narrow);
    assert.ok(
      list.body.result.tools.some((x: Json) => x.name === 'notes_create'),
      'listed without the scope',
    );
    const request = call('notes_create', { title: 'x' });
    const res = await post(request, {}, narrow);
    assert.equal(res.status, 403);
    assert.equal(res.body.id, request.id);
  });
});
