// Checks the one handler of POST /api/oauth/token (RFC 6749 §3.2, §5.1, §5.2): every method and content type
// answered by it, with CORS and no-store on every answer; body-parser's form rules (qs options, 1000-parameter
// limit, depth, charsets, BOM, percent-encoding, Content-Encoding, 100 kb); the token rate limit per client IP
// under TRUST_PROXY (AS-REG-11, LB-06); clients that go away mid-body.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/app';
import { obtainTokens, registerClient, type RegisteredClient } from '../support/oauth-flow';
import { abandonBody, rawRequest, type RawAnswer } from '../support/raw-http';

const FORM = 'application/x-www-form-urlencoded';
const PATH = '/api/oauth/token';

/** What every answer of the token endpoint carries (edge + route). */
function assertCommon(a: RawAnswer): void {
  assert.ok(a.headers['x-request-id']);
  assert.equal(a.headers['x-served-by'], 'replica-9');
  assert.equal(a.headers['x-frame-options'], 'DENY');
  assert.match(a.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(a.headers['x-powered-by'], undefined);
  assert.equal(a.headers['access-control-allow-origin'], '*');
  assert.equal(a.headers['access-control-expose-headers'], 'WWW-Authenticate, Retry-After');
}

/** An RFC 6749 §5.2 answer: status, error, description, no-store, JSON. */
function assertError(a: RawAnswer, status: number, error: string, description?: string | RegExp): void {
  assert.equal(a.status, status, a.body);
  const body = JSON.parse(a.body) as { error: string; error_description: string };
  assert.equal(body.error, error, a.body);
  if (typeof description === 'string') assert.equal(body.error_description, description);
  else if (description) assert.match(body.error_description, description);
  assert.equal(a.headers['cache-control'], 'no-store');
  assert.equal(a.headers.pragma, 'no-cache');
  assert.equal(a.headers['content-type'], 'application/json; charset=utf-8');
  assertCommon(a);
}

describe('POST /api/oauth/token: one handler for every method and content type', () => {
  let t: TestApp;
  let pub: RegisteredClient;
  before(async () => {
    t = await startTestApp({
      env: {
        INSTANCE_ID: 'replica-9',
        RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
        RATE_LIMIT_REGISTER_PER_HOUR: '1000',
      },
    });
    pub = await registerClient(t.url, { client_name: 'Token route' });
  });
  after(async () => {
    await t?.close();
  });

  /** A form POST with exactly these bytes (Content-Length set) and headers. */
  const form = (body: string | Buffer, headers: Record<string, string> = {}) => {
    const bytes = Buffer.from(body);
    return rawRequest(
      `${t.url}${PATH}`,
      'POST',
      { 'content-type': FORM, 'content-length': String(bytes.length), ...headers },
      [bytes],
    );
  };

  it('a refresh through the route: 200, token response, no-store, CORS', async () => {
    const { tokens, client } = await obtainTokens(t.url, { email: 'token-http@example.com' });
    const a = await form(
      new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: client.client_id,
      }).toString(),
    );
    assert.equal(a.status, 200, a.body);
    assert.equal(a.headers['cache-control'], 'no-store');
    assert.equal(a.headers.pragma, 'no-cache');
    assertCommon(a);
    const body = JSON.parse(a.body) as Record<string, unknown>;
    assert.equal(body.token_type, 'Bearer');
    assert.notEqual(body.refresh_token, tokens.refresh_token);
  });

  it('other methods: OPTIONS is the CORS preflight, anything else 405 Allow: POST, OPTIONS', async () => {
    const pre = await rawRequest(`${t.url}${PATH}`, 'OPTIONS', {
      origin: 'https://inspector.example',
      'access-control-request-method': 'POST',
    });
    assert.equal(pre.status, 204);
    assert.match(pre.headers['access-control-allow-methods'], /\bPOST\b/);
    assert.match(pre.headers['access-control-allow-headers'], /Authorization, Content-Type/);
    assertCommon(pre);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const a = await rawRequest(`${t.url}${PATH}`, method, {});
      assertError(a, 405, 'invalid_request', 'The token endpoint accepts POST only');
      assert.equal(a.headers.allow, 'POST, OPTIONS');
    }
  });

  it('not a form: invalid_request (JSON, malformed JSON, text, no Content-Type)', async () => {
    const must = 'The request body must be application/x-www-form-urlencoded';
    assertError(
      await form('{"grant_type":"password"}', { 'content-type': 'application/json' }),
      400,
      'invalid_request',
      must,
    );
    assertError(await form('{', { 'content-type': 'application/json' }), 400, 'invalid_request', must);
    assertError(
      await form('grant_type=password', { 'content-type': 'text/plain' }),
      400,
      'invalid_request',
      must,
    );
    assertError(await rawRequest(`${t.url}${PATH}`, 'POST', {}), 400, 'invalid_request', must);
  });

  it('request errors: no, empty, unsupported, repeated and nested grant_type; empty body; BOM; charsets', async () => {
    assertError(await form('a=b'), 400, 'invalid_request', 'grant_type is required');
    assertError(await form(''), 400, 'invalid_request', 'grant_type is required');
    assertError(await form('grant_type=password'), 400, 'unsupported_grant_type');
    const once = 'The grant_type parameter must be sent once, as a string';
    assertError(
      await form('grant_type=refresh_token&grant_type=refresh_token'),
      400,
      'invalid_request',
      once,
    );
    // qs makes objects and arrays of these (body-parser's extended parser); neither is a parameter.
    assertError(await form('grant_type[a]=b'), 400, 'invalid_request', once);
    assertError(await form('grant_type[]=refresh_token'), 400, 'invalid_request', once);
    assertError(await form('__proto__[grant_type]=x&constructor=y&hasOwnProperty=z'), 400, 'invalid_request');
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    assertError(
      await form(Buffer.concat([bom, Buffer.from('grant_type=password')])),
      400,
      'unsupported_grant_type',
      'grant_type password is not supported',
    );
    for (const type of [
      `${FORM}; charset=utf-8`,
      `${FORM};charset=UTF-8`,
      `${FORM}; charset="utf-8"`,
      'Application/X-WWW-Form-Urlencoded',
    ]) {
      assertError(await form('grant_type=password', { 'content-type': type }), 400, 'unsupported_grant_type');
    }
    // ISO-8859-1 is decoded as such (0xE9 is é); a charset neither form encoding is, is refused.
    assertError(
      await form(Buffer.from([...Buffer.from('grant_type=caf'), 0xe9]), {
        'content-type': `${FORM}; charset=iso-8859-1`,
      }),
      400,
      'unsupported_grant_type',
      'grant_type café is not supported',
    );
    for (const type of [`${FORM}; charset=utf-16`, `${FORM}; charset=utf-8"`]) {
      assertError(
        await form('grant_type=password', { 'content-type': type }),
        400,
        'invalid_request',
        'The request body could not be parsed',
      );
    }
  });

  it('percent-encoding and bytes: %ZZ kept, + is a space, encoded names, non-ASCII, invalid UTF-8, split characters', async () => {
    assertError(
      await form('grant_type=%ZZ'),
      400,
      'unsupported_grant_type',
      'grant_type %ZZ is not supported',
    );
    assertError(
      await form('grant_type=refresh+token'),
      400,
      'unsupported_grant_type',
      'grant_type refresh token is not supported',
    );
    assertError(
      await form('grant_type=caf%E9+au+lait'),
      400,
      'unsupported_grant_type',
      'grant_type caf%E9 au lait is not supported',
    );
    assertError(
      await form('grant%5Ftype=refresh%5Ftoken&refresh_token=x'),
      401,
      'invalid_client',
      'Client authentication is required',
    );
    assertError(
      await form(Buffer.from('grant_type=é€😀', 'utf8')),
      400,
      'unsupported_grant_type',
      'grant_type é€😀 is not supported',
    );
    const invalid = Buffer.concat([
      Buffer.from('grant_type='),
      Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
    ]);
    assertError(await form(invalid), 400, 'unsupported_grant_type', /\uFFFD/);
    // A byte order mark and a multi-byte character split across TCP segments.
    const split = [
      Buffer.from([0xef, 0xbb]),
      Buffer.concat([Buffer.from([0xbf]), Buffer.from('grant_type=x'), Buffer.from([0xe2])]),
      Buffer.from([0x82, 0xac]),
    ];
    assertError(
      await rawRequest(`${t.url}${PATH}`, 'POST', { 'content-type': FORM, 'content-length': '18' }, split),
      400,
      'unsupported_grant_type',
      'grant_type x€ is not supported',
    );
  });

  it('bodies the form reader refuses: nesting past 32 → 400, over 1000 parameters or 100 kb → 413', async () => {
    const parse = 'The request body could not be parsed';
    assertError(await form(`a${'[b]'.repeat(33)}=1`), 400, 'invalid_request', parse);
    assertError(await form(`grant_type${'[x]'.repeat(32)}=1`), 400, 'invalid_request', /must be sent once/);
    assertError(await form(`grant_type=password${'&a'.repeat(1000)}`), 413, 'invalid_request', parse);
    assertError(await form(`grant_type=password${'&a'.repeat(999)}`), 400, 'unsupported_grant_type');
    // Large but within 100 kb is still read; beyond it is 413 (declared, or streamed without a length).
    assertError(
      await form(`grant_type=password&pad=${'x'.repeat(90 * 1024)}`),
      400,
      'unsupported_grant_type',
    );
    assertError(
      await form(`grant_type=password&pad=${'x'.repeat(200 * 1024)}`),
      413,
      'invalid_request',
      parse,
    );
    const chunked = await rawRequest(`${t.url}${PATH}`, 'POST', { 'content-type': FORM }, [
      Buffer.from('grant_type=password&pad='),
      Buffer.alloc(70 * 1024, 0x78),
      Buffer.alloc(70 * 1024, 0x78),
    ]);
    assertError(chunked, 413, 'invalid_request', parse);
  });

  it('Content-Encoding: identity and gzip are read; a broken stream is 400, an unknown encoding refused', async () => {
    assertError(
      await form('grant_type=password', { 'content-encoding': 'Identity' }),
      400,
      'unsupported_grant_type',
    );
    assertError(
      await form(gzipSync(Buffer.from('grant_type=password')), { 'content-encoding': 'gzip' }),
      400,
      'unsupported_grant_type',
      'grant_type password is not supported',
    );
    const parse = 'The request body could not be parsed';
    assertError(
      await form('grant_type=password', { 'content-encoding': 'gzip' }),
      400,
      'invalid_request',
      parse,
    );
    assertError(
      await form('grant_type=password', { 'content-encoding': 'compress' }),
      400,
      'invalid_request',
      parse,
    );
    const chunked = await rawRequest(`${t.url}${PATH}`, 'POST', { 'content-type': FORM }, [
      Buffer.from('grant_type='),
      Buffer.from('password'),
    ]);
    assertError(chunked, 400, 'unsupported_grant_type', 'grant_type password is not supported');
  });

  it('client and grant errors keep their RFC 6749 §5.2 codes and headers', async () => {
    assertError(
      await form(`grant_type=refresh_token&refresh_token=mcp_rt_unknown&client_id=${pub.client_id}`),
      400,
      'invalid_grant',
      'The refresh token is invalid',
    );
    const basic = await form('grant_type=refresh_token&refresh_token=mcp_rt_x', {
      authorization: `Basic ${Buffer.from(`${pub.client_id}:wrong`).toString('base64')}`,
    });
    assertError(basic, 401, 'invalid_client');
    assert.match(basic.headers['www-authenticate'], /^Basic /);
  });

  it('X-Request-Id: a well-formed one is kept, otherwise one is made up', async () => {
    assert.equal(
      (await form('grant_type=password', { 'x-request-id': 'trace-42.a:b' })).headers['x-request-id'],
      'trace-42.a:b',
    );
    assert.match(
      (await form('grant_type=password', { 'x-request-id': 'bad id!' })).headers['x-request-id'],
      /^[0-9a-f-]{36}$/,
    );
  });

  it('a client that goes away mid-body gets nothing and breaks nothing', async () => {
    assert.equal(await abandonBody(t.url, PATH, FORM, 'destroy'), '');
    const answer = await abandonBody(t.url, PATH, FORM, 'end');
    assert.doesNotMatch(answer, /^HTTP\/1\.1 5/);
    assert.doesNotMatch(answer, /invalid_request|server_error/);
    await delay(50);
    assertError(await form('grant_type=password'), 400, 'unsupported_grant_type');
  });
});

describe('POST /api/oauth/token: the rate limit counts the client IP the edge computes (AS-REG-11, TRUST_PROXY)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      env: { INSTANCE_ID: 'replica-9', RATE_LIMIT_TOKEN_PER_MINUTE: '2', TRUST_PROXY: '1' },
    });
  });
  after(async () => {
    await t?.close();
  });

  const send = (body: string, headers: Record<string, string> = {}) =>
    rawRequest(
      `${t.url}${PATH}`,
      'POST',
      { 'content-type': FORM, 'content-length': String(Buffer.byteLength(body)), ...headers },
      [Buffer.from(body)],
    );
  /** Fixed windows of 60 s on the database clock: start well inside one, so all requests share it. */
  const insideOneWindow = async () => {
    const [{ second }] = await t.dataSource.query<{ second: number }[]>(
      `SELECT (extract(epoch FROM now())::numeric % 60)::float8 AS second`,
    );
    if (second > 50) await delay((60.5 - second) * 1000);
  };
  const body = 'grant_type=authorization_code&code=mcp_ac_x&client_id=mcpc_nobody';

  it('the third request of one forwarded address is 429 with Retry-After, CORS and no-store; others are not', async () => {
    await insideOneWindow();
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    assertError(await send(body, from('198.51.100.7')), 401, 'invalid_client');
    assertError(await send(body, from('198.51.100.7')), 401, 'invalid_client');
    const limited = await send(body, from('198.51.100.7'));
    assertError(limited, 429, 'too_many_requests', 'Too many requests; try again later');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
      limited.headers['retry-after'],
    );
    assertError(await send(body, from('198.51.100.8')), 401, 'invalid_client');
    // A body the reader refuses is answered before the limiter: not counted, not limited.
    assertError(await send(`a${'[b]'.repeat(33)}=1`, from('198.51.100.7')), 400, 'invalid_request');
  });
});
