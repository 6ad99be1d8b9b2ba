// Checks issue #7: POST /api/oauth/token answered on node:http gives exactly the answers of the Express route
// (RFC 6749 §5.1/§5.2 bodies and headers, §2.3.1 client authentication, body-parser's form rules, CORS,
// helmet, X-Served-By, the shared token rate limit AS-REG-11), writes what Express writes (rotation AS-RT-03,
// grace retry AS-RT-07, audit events), sends everything else to Express, and survives clients that go away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/app';
import {
  authorizeInBrowser,
  pkcePair,
  registerClient,
  type Json,
  type RegisteredClient,
} from '../support/oauth-flow';

/** Headers that legitimately differ between two responses (or that Express alone adds: ETag). */
const VOLATILE = new Set(['date', 'x-request-id', 'etag', 'connection', 'keep-alive', 'content-length']);
const FORM = 'application/x-www-form-urlencoded';
const FAST = '/api/oauth/token';
/** A query string is never fast: the same request reaches the Express route. */
const EXPRESS = '/api/oauth/token?via=express';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request to `path` (FAST or EXPRESS). */
type Sender = (path: string) => Promise<Answer>;

interface BothOptions {
  /** Whether the plain case applies, i.e. FAST is answered on node:http (default); false: both reach Express. */
  fast?: boolean;
  /** Whether to check the CORS headers (default; every answer of the token route carries them). */
  cors?: boolean;
}

const stable = (a: Answer) => ({
  status: a.status,
  body: a.body,
  headers: Object.fromEntries(Object.entries(a.headers).filter(([name]) => !VOLATILE.has(name))),
});

const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/** RFC 6749 §2.3.1: client_secret_basic credentials (form-encoded, then base64). */
const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(user)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Member names and JSON types of a token response (the tokens themselves differ between two answers). */
const shape = (body: Json) =>
  Object.fromEntries(Object.entries(body).map(([name, value]) => [name, typeof value]));

describe('POST /api/oauth/token fast path (node:http) answers like the Express route', () => {
  let t: TestApp;
  let pub: RegisteredClient;
  let conf: RegisteredClient;
  before(async () => {
    t = await startTestApp({
      env: {
        INSTANCE_ID: 'replica-9',
        RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
        RATE_LIMIT_REGISTER_PER_HOUR: '1000',
        RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000',
      },
    });
    pub = await registerClient(t.url, { client_name: 'Fast path public' });
    conf = await registerClient(t.url, {
      client_name: 'Fast path confidential',
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });
  after(async () => {
    await t?.close();
  });

  const viaFetch =
    (init: { headers?: Record<string, string>; body?: string | Buffer }): Sender =>
    async (path) => {
      const res = await fetch(`${t.url}${path}`, { method: 'POST', ...init });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => (headers[name] = value));
      return { status: res.status, headers, body: await res.text() };
    };

  /** A form body sent by fetch (Content-Length set, no charset). */
  const form = (body: string | Buffer, headers: Record<string, string> = {}): Sender =>
    viaFetch({ headers: { 'content-type': FORM, ...headers }, body });

  /** node:http with exactly these headers and these body chunks, written 20 ms apart. */
  const viaHttp =
    (headers: Record<string, string>, chunks: Buffer[]): Sender =>
    (path) =>
      new Promise<Answer>((resolve, reject) => {
        const req = request(`${t.url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (chunk: Buffer) => parts.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const flat: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: flat,
              body: Buffer.concat(parts).toString('utf8'),
            });
          });
        });
        req.on('error', reject);
        void (async () => {
          for (const chunk of chunks) {
            req.write(chunk);
            await delay(20);
          }
          req.end();
        })();
      });

  /** What every answer of the token route carries, whichever path answered. */
  function assertCommonHeaders(a: Answer, cors: boolean): void {
    assert.equal(a.headers['x-served-by'], 'replica-9');
    assert.ok(a.headers['x-request-id']);
    assert.equal(a.headers['x-frame-options'], 'DENY');
    assert.equal(a.headers['x-content-type-options'], 'nosniff');
    assert.equal(a.headers['referrer-policy'], 'no-referrer');
    assert.equal(a.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.match(a.headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(a.headers['x-powered-by'], undefined);
    // RFC 6749 §5.1: token endpoint answers are never cached.
    assert.equal(a.headers['cache-control'], 'no-store');
    assert.equal(a.headers.pragma, 'no-cache');
    assert.equal(a.headers['content-type'], 'application/json; charset=utf-8');
    if (cors) {
      assert.equal(a.headers['access-control-allow-origin'], '*');
      assert.equal(a.headers['access-control-expose-headers'], 'WWW-Authenticate, Retry-After');
    }
  }

  /** The same request on the fast path and on Express: status, body and non-volatile headers identical. */
  async function both(send: Sender, options: BothOptions = {}) {
    const fast = await send(FAST);
    const express = await send(EXPRESS);
    assert.deepEqual(stable(fast), stable(express));
    // Which path answered: Express adds an ETag to res.json() bodies, the fast path does not.
    if (options.fast ?? true) assert.equal(fast.headers.etag, undefined, 'expected the fast path');
    else assert.ok(fast.headers.etag, 'expected Express to answer');
    assert.ok(express.headers.etag);
    for (const a of [fast, express]) assertCommonHeaders(a, options.cors ?? true);
    return { fast, express, json: JSON.parse(fast.body) as Json };
  }

  /** Asserts an RFC 6749 §5.2 error answer (same on both paths) and returns it. */
  async function bothError(
    send: Sender,
    status: number,
    error: string,
    description?: string | RegExp,
    options: BothOptions = {},
  ) {
    const answer = await both(send, options);
    assert.equal(answer.fast.status, status, answer.fast.body);
    assert.equal(answer.json.error, error, answer.fast.body);
    if (typeof description === 'string') assert.equal(answer.json.error_description, description);
    else if (description) assert.match(answer.json.error_description as string, description);
    return answer;
  }

  it('request errors: no, empty, unsupported, repeated and nested grant_type; empty body; BOM; charset', async () => {
    await bothError(form('a=b'), 400, 'invalid_request', 'grant_type is required');
    await bothError(form('grant_type='), 400, 'invalid_request', 'grant_type is required');
    await bothError(form(''), 400, 'invalid_request', 'grant_type is required');
    await bothError(form('grant_type=password'), 400, 'unsupported_grant_type');
    await bothError(form(`grant_type=${'x'.repeat(500)}`), 400, 'unsupported_grant_type');
    // RFC 6749 §3.2: parameters MUST NOT be included more than once.
    await bothError(
      form('grant_type=refresh_token&grant_type=refresh_token'),
      400,
      'invalid_request',
      'The grant_type parameter must be sent once, as a string',
    );
    await bothError(
      form(`grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id=${pub.client_id}`),
      400,
      'invalid_request',
      'The refresh_token parameter must be sent once, as a string',
    );
    // body-parser's extended parser (qs) makes objects and arrays of these; neither is a parameter.
    await bothError(
      form('grant_type[a]=b'),
      400,
      'invalid_request',
      /grant_type parameter must be sent once/,
    );
    await bothError(form('grant_type[]=refresh_token'), 400, 'invalid_request', /must be sent once/);
    await bothError(form('grant_type[0]=refresh_token&grant_type[1]=x'), 400, 'invalid_request');
    await bothError(form('__proto__[grant_type]=x&constructor=y&hasOwnProperty=z'), 400, 'invalid_request');
    // The UTF-8 decoder drops a leading byte order mark.
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    await bothError(
      form(Buffer.concat([bom, Buffer.from('grant_type=password')])),
      400,
      'unsupported_grant_type',
      'grant_type password is not supported',
    );
    await bothError(form(bom), 400, 'invalid_request', 'grant_type is required');
    for (const type of [
      `${FORM}; charset=utf-8`,
      `${FORM};charset=UTF-8`,
      `${FORM}; charset="utf-8"`,
      'Application/X-WWW-Form-Urlencoded; Charset=utf-8',
    ]) {
      await bothError(form('grant_type=password', { 'content-type': type }), 400, 'unsupported_grant_type');
    }
    // An empty body declared as such (Content-Length: 0).
    await bothError(
      viaHttp({ 'content-type': FORM, 'content-length': '0' }, []),
      400,
      'invalid_request',
      'grant_type is required',
    );
    // Content-Encoding: identity is no encoding at all: still the plain case.
    await bothError(
      viaHttp({ 'content-type': FORM, 'content-length': '19', 'content-encoding': 'Identity' }, [
        Buffer.from('grant_type=password'),
      ]),
      400,
      'unsupported_grant_type',
    );
  });

  it('percent-encoding and bytes: %ZZ kept, + is a space, encoded names, non-ASCII, invalid UTF-8', async () => {
    await bothError(form('grant_type=%ZZ'), 400, 'unsupported_grant_type', 'grant_type %ZZ is not supported');
    await bothError(form('grant_type=%'), 400, 'unsupported_grant_type', 'grant_type % is not supported');
    await bothError(
      form('grant_type=refresh+token'),
      400,
      'unsupported_grant_type',
      'grant_type refresh token is not supported',
    );
    await bothError(
      form('grant_type=a%2Bb%20c%C3%A9'),
      400,
      'unsupported_grant_type',
      'grant_type a+b cé is not supported',
    );
    // A NUL (or any control character) is refused before the value is looked at.
    await bothError(form('grant_type=a%2Bb%20c%00%C3%A9'), 400, 'invalid_request', /control characters/);
    // A value that is not UTF-8 once decoded stays as sent (%E9 alone), '+' still a space.
    await bothError(
      form('grant_type=caf%E9+au+lait'),
      400,
      'unsupported_grant_type',
      'grant_type caf%E9 au lait is not supported',
    );
    // An encoded name is the same name: grant%5Ftype is grant_type (then client authentication fails).
    await bothError(
      form('grant%5Ftype=refresh%5Ftoken&refresh_token=x'),
      401,
      'invalid_client',
      'Client authentication is required',
    );
    await bothError(
      form(Buffer.from('grant_type=é€😀', 'utf8')),
      400,
      'unsupported_grant_type',
      'grant_type é€😀 is not supported',
    );
    // Invalid UTF-8 (a lone byte, a truncated and a surrogate sequence) decodes to U+FFFD alike.
    const invalid = Buffer.concat([
      Buffer.from('grant_type='),
      Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xe2, 0x82, 0x41]),
    ]);
    await bothError(form(invalid), 400, 'unsupported_grant_type', /\uFFFD/);
    // A byte order mark and a multi-byte character split across TCP segments.
    const split = [
      Buffer.from([0xef, 0xbb]),
      Buffer.concat([Buffer.from([0xbf]), Buffer.from('grant_type=x'), Buffer.from([0xe2])]),
      Buffer.from([0x82, 0xac]),
    ];
    await bothError(
      viaHttp({ 'content-type': FORM, 'content-length': '18' }, split),
      400,
      'unsupported_grant_type',
      'grant_type x€ is not supported',
    );
  });

  it('bodies body-parser refuses: nesting deeper than 32 → 400, over 1000 parameters under 16 KiB → 413', async () => {
    // Refused before the route: the body error handler still sends the CORS headers, on either path.
    const refused = {};
    const parse = 'The request body could not be parsed';
    await bothError(form(`a${'[b]'.repeat(33)}=1`), 400, 'invalid_request', parse, refused);
    await bothError(form(`grant_type${'[x]'.repeat(40)}=1`), 400, 'invalid_request', parse, refused);
    // 32 levels are still fine (qs's depth), and then it is just a nested parameter.
    await bothError(form(`grant_type${'[x]'.repeat(32)}=1`), 400, 'invalid_request', /must be sent once/);
    const many = `grant_type=password${'&a'.repeat(1000)}`;
    assert.ok(Buffer.byteLength(many) < 16 * 1024);
    await bothError(form(many), 413, 'invalid_request', parse, refused);
    // Exactly 1000 parameters are accepted.
    await bothError(form(`grant_type=password${'&a'.repeat(999)}`), 400, 'unsupported_grant_type');
  });

  it('client authentication (RFC 6749 §2.3.1, §5.2): unknown client, wrong or malformed Basic, client_assertion', async () => {
    const code = (extra: string) =>
      form(`grant_type=authorization_code&code=mcp_ac_x&code_verifier=${'v'.repeat(43)}${extra}`);
    const unknown = await bothError(
      code('&client_id=mcpc_nobody'),
      401,
      'invalid_client',
      'Client authentication failed',
    );
    assert.equal(unknown.fast.headers['www-authenticate'], undefined);
    await bothError(code(''), 401, 'invalid_client', 'Client authentication is required');
    const wrong = await bothError(
      form('grant_type=refresh_token&refresh_token=mcp_rt_x', {
        authorization: basic(conf.client_id, 'not-the-secret'),
      }),
      401,
      'invalid_client',
      'Client authentication failed',
    );
    assert.equal(wrong.fast.headers['www-authenticate'], 'Basic realm="oauth", charset="UTF-8"');
    for (const [authorization, description] of [
      ['Basic !!!', 'Unsupported client authentication scheme'],
      ['Bearer abc', 'Unsupported client authentication scheme'],
      [`Basic ${Buffer.from('no-colon').toString('base64')}`, 'Malformed HTTP Basic credentials'],
      [`Basic ${Buffer.from('a%ZZ:b').toString('base64')}`, 'Malformed HTTP Basic credentials'],
    ]) {
      const malformed = await bothError(
        form('grant_type=refresh_token&refresh_token=mcp_rt_x', { authorization }),
        401,
        'invalid_client',
        description,
      );
      assert.match(malformed.fast.headers['www-authenticate'], /^Basic /);
    }
    // RFC 6749 §2.3: one method only.
    await bothError(
      form(`grant_type=refresh_token&refresh_token=mcp_rt_x&client_secret=${conf.client_secret}`, {
        authorization: basic(conf.client_id, conf.client_secret!),
      }),
      400,
      'invalid_request',
      'Use one client authentication method, not both Basic and client_secret',
    );
    // RFC 7523 §2.2 assertions are refused by name.
    await bothError(
      form(
        `grant_type=refresh_token&refresh_token=mcp_rt_x&client_id=${pub.client_id}` +
          '&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer' +
          '&client_assertion=eyJhbGciOiJub25lIn0.e30.',
      ),
      401,
      'invalid_client',
      /client_assertion\) is not supported/,
    );
  });

  it('grant errors: unknown refresh token, unknown code, malformed code_verifier → RFC 6749 §5.2 codes', async () => {
    await bothError(
      form(`grant_type=refresh_token&refresh_token=mcp_rt_unknown&client_id=${pub.client_id}`),
      400,
      'invalid_grant',
      'The refresh token is invalid',
    );
    await bothError(
      form(`grant_type=refresh_token&client_id=${pub.client_id}`),
      400,
      'invalid_request',
      'refresh_token is required',
    );
    await bothError(
      form(
        `grant_type=authorization_code&code=mcp_ac_unknown&code_verifier=${'v'.repeat(43)}&client_id=${pub.client_id}`,
      ),
      400,
      'invalid_grant',
      'The authorization code is invalid',
    );
    await bothError(
      form(
        `grant_type=authorization_code&code=mcp_ac_unknown&code_verifier=short&client_id=${pub.client_id}`,
      ),
      400,
      'invalid_request',
      'code_verifier is malformed (RFC 7636 §4.1)',
    );
    await bothError(
      form(
        `grant_type=refresh_token&refresh_token=mcp_rt_x&client_id=${pub.client_id}&resource=https%3A%2F%2Fother.example%2Fmcp`,
      ),
      400,
      'invalid_target',
    );
  });

  it('keeps a well-formed X-Request-Id on both paths, and makes one up otherwise', async () => {
    const kept = await both(form('grant_type=password', { 'x-request-id': 'trace-42.a:b' }));
    assert.equal(kept.fast.headers['x-request-id'], 'trace-42.a:b');
    assert.equal(kept.express.headers['x-request-id'], 'trace-42.a:b');
    const made = await both(form('grant_type=password', { 'x-request-id': 'bad id!' }));
    assert.match(made.fast.headers['x-request-id'], /^[0-9a-f-]{36}$/);
    assert.match(made.express.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  });

  it('the CORS preflight (Express) allows the token request from any origin', async () => {
    const res = await fetch(`${t.url}${FAST}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://inspector.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization, Content-Type/);
    assert.equal(res.headers.get('x-served-by'), 'replica-9');
  });

  it('authorization_code and refresh_token on the fast path: the answers of Express, the rows and audit events', async () => {
    const email = 'fast-token@example.com';
    const client = await registerClient(t.url, { client_name: 'Fast path flow' });
    const redirectUri = client.redirect_uris[0];
    const first = await authorizeInBrowser(t.url, { email, client, scope: 'profile:read' });
    const second = await authorizeInBrowser(t.url, {
      email,
      client,
      scope: 'profile:read',
      session: first.session,
    });
    assert.ok(first.code && second.code);
    const exchange = (code: string, verifier: string) =>
      form(
        new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: redirectUri,
          client_id: client.client_id,
        }).toString(),
      );
    // A live code with the wrong verifier: the same invalid_grant on both paths, and the code is not burnt.
    await bothError(
      exchange(first.code, pkcePair().verifier),
      400,
      'invalid_grant',
      'PKCE verification failed: code_verifier does not match code_challenge',
    );

    /** The fast answer and the Express answer of two different grants: same headers, same member shapes. */
    const sameShape = (fast: Answer, express: Answer) => {
      assert.equal(fast.status, 200, fast.body);
      assert.equal(express.status, 200, express.body);
      assert.deepEqual(stable(fast).headers, stable(express).headers);
      assert.equal(fast.headers.etag, undefined);
      assert.ok(express.headers.etag);
      for (const a of [fast, express]) assertCommonHeaders(a, true);
      const f = JSON.parse(fast.body) as Json;
      const e = JSON.parse(express.body) as Json;
      assert.deepEqual(shape(f), shape(e));
      assert.deepEqual(Object.keys(f), Object.keys(e));
      assert.deepEqual(
        { token_type: f.token_type, expires_in: f.expires_in, scope: f.scope },
        { token_type: e.token_type, expires_in: e.expires_in, scope: e.scope },
      );
      for (const body of [f, e]) {
        assert.match(body.access_token as string, /^mcp_at_[A-Za-z0-9_-]{43}$/);
        assert.match(body.refresh_token as string, /^mcp_rt_[A-Za-z0-9_-]{43}$/);
      }
      assert.equal(f.token_type, 'Bearer');
      assert.equal(f.scope, 'profile:read');
      return f as { access_token: string; refresh_token: string };
    };

    const issuedFast = await exchange(first.code, first.verifier)(FAST);
    const issuedExpress = await exchange(second.code, second.verifier)(EXPRESS);
    const issued = sameShape(issuedFast, issuedExpress);

    const [user] = await t.dataSource.query<{ id: string }[]>(`SELECT id FROM users WHERE email = $1`, [
      email,
    ]);
    assert.ok(user);
    const refreshRow = async (token: string) =>
      (
        await t.dataSource.query<
          {
            id: string;
            grant_id: string;
            client_id: string;
            user_id: string;
            consumed: boolean;
            replaced_by: string | null;
          }[]
        >(
          `SELECT id, grant_id, client_id, user_id, consumed_at IS NOT NULL AS consumed, replaced_by
             FROM oauth_refresh_tokens WHERE token_hash = $1`,
          [sha256(token)],
        )
      )[0];
    const accessRow = async (token: string) =>
      (
        await t.dataSource.query<
          {
            id: string;
            grant_id: string;
            client_id: string;
            user_id: string;
            scopes: string[];
            audience: string;
          }[]
        >(
          `SELECT id, grant_id, client_id, user_id, scopes, audience FROM oauth_access_tokens WHERE token_hash = $1`,
          [sha256(token)],
        )
      )[0];
    const events = async (type: string, grantId: string) =>
      t.dataSource.query<
        { user_id: string; client_id: string; grant_id: string; ip: string; detail: Json }[]
      >(
        `SELECT user_id, client_id, grant_id, ip, detail FROM audit_events WHERE type = $1 AND grant_id = $2 ORDER BY id`,
        [type, grantId],
      );

    const firstRefresh = await refreshRow(issued.refresh_token);
    assert.ok(firstRefresh, 'the refresh token of the fast exchange is stored');
    assert.equal(firstRefresh.consumed, false);
    assert.equal(firstRefresh.client_id, client.client_id);
    assert.equal(firstRefresh.user_id, user.id);
    const grantId = firstRefresh.grant_id;
    const firstAccess = await accessRow(issued.access_token);
    assert.ok(firstAccess, 'the access token of the fast exchange is stored');
    assert.deepEqual(
      { grant: firstAccess.grant_id, client: firstAccess.client_id, user: firstAccess.user_id },
      { grant: grantId, client: client.client_id, user: user.id },
    );
    assert.deepEqual(firstAccess.scopes, ['profile:read']);
    assert.equal(firstAccess.audience, t.config.mcpResource);
    const codeIssued = await events('token.issued', grantId);
    assert.equal(codeIssued.length, 1);
    assert.deepEqual(codeIssued[0], {
      user_id: user.id,
      client_id: client.client_id,
      grant_id: grantId,
      ip: '127.0.0.1',
      detail: { grantType: 'authorization_code', scopes: ['profile:read'], refreshToken: true },
    });

    // Refresh (RFC 6749 §6) on each path, each with its own grant's refresh token.
    const refresh = (token: string) =>
      form(
        new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: token,
          client_id: client.client_id,
        }).toString(),
      );
    const rotatedFast = await refresh(issued.refresh_token)(FAST);
    const expressTokens = JSON.parse(issuedExpress.body) as { refresh_token: string };
    const rotatedExpress = await refresh(expressTokens.refresh_token)(EXPRESS);
    const rotated = sameShape(rotatedFast, rotatedExpress);
    assert.notEqual(rotated.refresh_token, issued.refresh_token);

    // AS-RT-03: the presented token is consumed and linked to its successor; the new pair is stored.
    const consumed = await refreshRow(issued.refresh_token);
    assert.equal(consumed?.consumed, true);
    const successor = await refreshRow(rotated.refresh_token);
    assert.ok(successor, 'the rotated refresh token is stored');
    assert.equal(consumed.replaced_by, successor.id);
    assert.deepEqual(
      {
        grant: successor.grant_id,
        client: successor.client_id,
        user: successor.user_id,
        used: successor.consumed,
      },
      { grant: grantId, client: client.client_id, user: user.id, used: false },
    );
    const newAccess = await accessRow(rotated.access_token);
    assert.ok(newAccess, 'the new access token is stored');
    assert.equal(newAccess.grant_id, grantId);
    assert.deepEqual(newAccess.scopes, ['profile:read']);
    const rotations = await events('refresh.rotated', grantId);
    assert.deepEqual(rotations, [
      {
        user_id: user.id,
        client_id: client.client_id,
        grant_id: grantId,
        ip: '127.0.0.1',
        detail: { scopes: ['profile:read'] },
      },
    ]);
    // The Express refresh wrote the same kind of rows for its own grant.
    const expressGrant = await refreshRow(expressTokens.refresh_token);
    assert.ok(expressGrant, 'the refresh token of the Express exchange is stored');
    assert.equal(expressGrant.consumed, true);
    assert.notEqual(expressGrant.grant_id, grantId);
    assert.equal((await events('refresh.rotated', expressGrant.grant_id)).length, 1);

    // The new access token works at the MCP endpoint.
    const mcp = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${rotated.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    assert.equal(mcp.status, 200);
    await mcp.text();

    // A confidential client authenticates with HTTP Basic on the fast path too.
    const confCode = await authorizeInBrowser(t.url, {
      email,
      client: conf,
      scope: 'profile:read',
      session: first.session,
    });
    assert.ok(confCode.code);
    const confIssued = await viaFetch({
      headers: { 'content-type': FORM, authorization: basic(conf.client_id, conf.client_secret!) },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: confCode.code,
        code_verifier: confCode.verifier,
        redirect_uri: conf.redirect_uris[0],
      }).toString(),
    })(FAST);
    assert.equal(confIssued.status, 200, confIssued.body);
    assert.equal(confIssued.headers.etag, undefined);
    const confRefresh = await refreshRow((JSON.parse(confIssued.body) as Json).refresh_token as string);
    assert.ok(confRefresh, 'the refresh token of the Basic-authenticated exchange is stored');
    assert.equal(confRefresh.client_id, conf.client_id);
    const confEvents = await events('token.issued', confRefresh.grant_id);
    assert.equal(confEvents.length, 1);
    assert.equal(confEvents[0].client_id, conf.client_id);
    assert.equal(confEvents[0].user_id, user.id);

    // AS-RT-07: a retry of the rotated token inside the grace window gets the very same answer, byte
    // for byte, on both paths (nothing new is written, the grant is not revoked).
    const retry = await both(refresh(issued.refresh_token));
    assert.equal(retry.fast.status, 200);
    assert.equal(retry.fast.body, rotatedFast.body);
    assert.equal((await events('refresh.rotated', grantId)).length, 1);
    assert.equal((await events('refresh.reuse_detected', grantId)).length, 0);
  });

  it('requests that are not the plain case go to Express unchanged: large bodies, other charsets, encodings, chunked', async () => {
    // The limit itself: 16 KiB is still the plain case, one byte more is not.
    const padded = (bytes: number) => {
      const head = 'grant_type=password&pad=';
      return head + 'x'.repeat(bytes - head.length);
    };
    await bothError(form(padded(16 * 1024)), 400, 'unsupported_grant_type');
    await bothError(form(padded(16 * 1024 + 1)), 400, 'unsupported_grant_type', undefined, { fast: false });
    // Over 16 KiB (not a real token request): Express parses it up to body-parser's 100 KiB limit.
    const big = `grant_type=password&pad=${'x'.repeat(20 * 1024)}`;
    await bothError(form(big), 400, 'unsupported_grant_type', 'grant_type password is not supported', {
      fast: false,
    });
    await bothError(
      form(`grant_type=password&pad=${'x'.repeat(200 * 1024)}`),
      413,
      'invalid_request',
      'The request body could not be parsed',
      { fast: false },
    );
    // ISO-8859-1 is a charset body-parser decodes (0xE9 is é there), the fast path does not.
    await bothError(
      form(Buffer.from([...Buffer.from('grant_type=caf'), 0xe9]), {
        'content-type': `${FORM}; charset=iso-8859-1`,
      }),
      400,
      'unsupported_grant_type',
      'grant_type café is not supported',
      { fast: false },
    );
    // A charset body-parser does not know, and a stray quote that makes the charset `utf-8"`: refused.
    for (const type of [`${FORM}; charset=utf-16`, `${FORM}; charset=utf-8"`]) {
      await bothError(
        form('grant_type=password', { 'content-type': type }),
        400,
        'invalid_request',
        'The request body could not be parsed',
        { fast: false },
      );
    }
    // Not a form at all: the route refuses it (requireFormBody).
    await bothError(
      viaFetch({ headers: { 'content-type': 'application/json' }, body: '{"grant_type":"password"}' }),
      400,
      'invalid_request',
      'The request body must be application/x-www-form-urlencoded',
      { fast: false },
    );
    // Content-Encoding: body-parser inflates gzip; a broken stream is a body it cannot read.
    const gzipped = gzipSync(Buffer.from('grant_type=password'));
    await bothError(
      viaHttp(
        { 'content-type': FORM, 'content-length': String(gzipped.length), 'content-encoding': 'gzip' },
        [gzipped],
      ),
      400,
      'unsupported_grant_type',
      'grant_type password is not supported',
      { fast: false },
    );
    await bothError(
      viaHttp({ 'content-type': FORM, 'content-length': '19', 'content-encoding': 'gzip' }, [
        Buffer.from('grant_type=password'),
      ]),
      400,
      'invalid_request',
      'The request body could not be parsed',
      { fast: false },
    );
    const unknownEncoding = await both(
      viaHttp({ 'content-type': FORM, 'content-length': '19', 'content-encoding': 'compress' }, [
        Buffer.from('grant_type=password'),
      ]),
      { fast: false },
    );
    assert.ok([400, 415].includes(unknownEncoding.fast.status), unknownEncoding.fast.body);
    assert.equal(typeof unknownEncoding.json.error, 'string');
    // Transfer-Encoding: chunked (no Content-Length).
    await bothError(
      viaHttp({ 'content-type': FORM, 'transfer-encoding': 'chunked' }, [
        Buffer.from('grant_type='),
        Buffer.from('password'),
      ]),
      400,
      'unsupported_grant_type',
      'grant_type password is not supported',
      { fast: false },
    );
  });

  it('a client that goes away mid-body does not crash the server; the next requests are answered', async () => {
    const port = Number(new URL(t.url).port);
    /** Declares 100 bytes, sends 10, then destroys the socket (or half-closes it: `end`). */
    const abandon = (path: string, how: 'destroy' | 'end') =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        const received: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${FORM}\r\nContent-Length: 100\r\n\r\n`,
        );
        void delay(30).then(async () => {
          socket.write('grant_type');
          await delay(30);
          if (how === 'destroy') socket.destroy();
          else socket.end();
        });
      });
    for (const path of [FAST, EXPRESS]) {
      assert.equal(await abandon(path, 'destroy'), '');
      // Half-closed: node:http itself refuses the truncated request; no application answer, no 5xx.
      const answer = await abandon(path, 'end');
      assert.doesNotMatch(answer, /^HTTP\/1\.1 5/);
      assert.doesNotMatch(answer, /invalid_request|server_error/);
    }
    await delay(50);
    await bothError(form('grant_type=password'), 400, 'unsupported_grant_type');
    const health = await fetch(`${t.url}/healthz`);
    assert.ok(health.status < 500);
    await health.text();
  });
});

describe('POST /api/oauth/token fast path: one rate limit shared with the Express route (AS-REG-11, LB-06)', () => {
  let t: TestApp;
  before(async () => {
    // TRUST_PROXY: one hop (requests without X-Forwarded-For count their socket address).
    t = await startTestApp({
      env: { INSTANCE_ID: 'replica-9', RATE_LIMIT_TOKEN_PER_MINUTE: '2', TRUST_PROXY: '1' },
    });
  });
  after(async () => {
    await t?.close();
  });

  const send = async (path: string, body: string, extra: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...extra },
      body,
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => (headers[name] = value));
    return { status: res.status, headers, body: await res.text() };
  };

  /** Fixed windows of 60 s on the database clock: start well inside one, so all requests share it. */
  const insideOneWindow = async () => {
    const [{ second }] = await t.dataSource.query<{ second: number }[]>(
      `SELECT (extract(epoch FROM now())::numeric % 60)::float8 AS second`,
    );
    if (second > 50) await delay((60.5 - second) * 1000);
  };
  const body = 'grant_type=authorization_code&code=mcp_ac_x&client_id=mcpc_nobody';

  it('fast and Express requests count in one window; the third gets the same 429 on both paths', async () => {
    await insideOneWindow();
    const first = await send(FAST, body);
    const secondAnswer = await send(EXPRESS, body);
    for (const a of [first, secondAnswer]) {
      assert.equal(a.status, 401, a.body);
      assert.equal(JSON.parse(a.body).error, 'invalid_client');
    }
    assert.equal(first.headers.etag, undefined);
    assert.deepEqual(stable(first), stable(secondAnswer));

    const fast = await send(FAST, body);
    const express = await send(EXPRESS, body);
    for (const a of [fast, express]) {
      assert.equal(a.status, 429, a.body);
      assert.deepEqual(JSON.parse(a.body), {
        error: 'too_many_requests',
        error_description: 'Too many requests; try again later',
      });
      const retryAfter = Number(a.headers['retry-after']);
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
        a.headers['retry-after'],
      );
      assert.equal(a.headers['access-control-allow-origin'], '*');
      assert.equal(a.headers['access-control-expose-headers'], 'WWW-Authenticate, Retry-After');
      assert.equal(a.headers['cache-control'], 'no-store');
      assert.equal(a.headers.pragma, 'no-cache');
      assert.equal(a.headers['x-served-by'], 'replica-9');
    }
    assert.equal(fast.headers.etag, undefined);
    assert.ok(express.headers.etag);
    // Retry-After counts down the same window (a second may tick between the two requests).
    assert.ok(Math.abs(Number(fast.headers['retry-after']) - Number(express.headers['retry-after'])) <= 1);
    const withoutRetryAfter = (a: Answer) => {
      const s = stable(a);
      delete s.headers['retry-after'];
      return s;
    };
    assert.deepEqual(withoutRetryAfter(fast), withoutRetryAfter(express));

    // A body body-parser refuses never reaches the limiter, on either path.
    const refusedFast = await send(FAST, `a${'[b]'.repeat(33)}=1`);
    const refusedExpress = await send(EXPRESS, `a${'[b]'.repeat(33)}=1`);
    assert.equal(refusedFast.status, 400);
    assert.deepEqual(stable(refusedFast), stable(refusedExpress));
  });

  it('behind TRUST_PROXY both paths count the client IP Express computes from X-Forwarded-For', async () => {
    await insideOneWindow();
    // One trusted hop: each forwarded address is its own bucket, the same one on both paths.
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    assert.equal((await send(FAST, body, from('198.51.100.7'))).status, 401);
    assert.equal((await send(EXPRESS, body, from('198.51.100.7'))).status, 401);
    assert.equal((await send(FAST, body, from('198.51.100.7'))).status, 429);
    assert.equal((await send(EXPRESS, body, from('198.51.100.7'))).status, 429);
    assert.equal((await send(EXPRESS, body, from('198.51.100.8'))).status, 401);
    assert.equal((await send(FAST, body, from('198.51.100.8'))).status, 401);
    assert.equal((await send(FAST, body, from('198.51.100.8'))).status, 429);
  });
});
