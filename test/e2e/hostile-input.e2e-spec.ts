// Checks that hostile bytes never become a 5xx (RFC 6749 §5.2 / RFC 7591 §3.2.2 / JSON-RPC errors):
// NUL bytes, control characters, lone surrogates and out-of-range numbers at every place user input reaches
// PostgreSQL get the exact 4xx (or tool error) and no error-level log line, on the real server process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDocumentServer, type DocumentServer } from '../support/cimd-document-server';
import { HttpSession, parseForms } from '../support/http-session';
import { postMcp } from '../support/mcp-client';
import {
  authorizeUrl,
  DEFAULT_REDIRECT_URI,
  obtainTokens,
  pkcePair,
  registerClient,
  tokenRequest,
  type RegisteredClient,
} from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';
import type { ServerProcess } from '../support/process';
import { startProcessApp, type ProcessApp } from '../support/process-app';

/** The hostile values every probe is tried with. */
const HOSTILE: Record<string, string> = {
  nul: 'a\u0000b',
  control: 'a\u0007b',
  newline: 'a\r\nb',
  surrogate: 'a\ud800b',
};

/** encodeURIComponent, except that an unpaired surrogate is sent as its (invalid) UTF-8 bytes. */
const encodeRaw = (value: string) =>
  value
    .split(/([\ud800-\udfff])/)
    .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');

interface Probe {
  readonly name: string;
  /** Sends the request with the hostile value in place. */
  readonly send: (value: string) => Promise<Response>;
  readonly status: number;
  /** The OAuth `error` of a JSON body, or a check of the body. */
  readonly expect: string | ((body: string) => void);
  /** Kinds of value this probe applies to (default: all). */
  readonly kinds?: readonly string[];
  /** Another expected answer for one kind of value. */
  readonly otherwise?: Readonly<Record<string, { status: number; expect: string }>>;
}

describe('Hostile bytes get a 4xx, never a 500 (input rules)', () => {
  let app: ProcessApp;
  let server: ServerProcess;
  let docs: DocumentServer;
  let url: string;
  let client: RegisteredClient;
  let confidential: RegisteredClient;
  let accessToken: string;
  let browser: HttpSession;

  before(async () => {
    docs = await startDocumentServer();
    app = await startProcessApp({
      DEV_LOGIN: 'true',
      CIMD_ALLOW_INSECURE_LOCALHOST: 'true',
      LOG_LEVEL: 'info',
      RATE_LIMIT_REGISTER_PER_HOUR: '10000',
      RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000',
    });
    ({ server, url } = app);
    client = await registerClient(url);
    confidential = await registerClient(url, { token_endpoint_auth_method: 'client_secret_post' });
    const obtained = await obtainTokens(url, { email: 'hostile@example.com', scope: 'notes:write' });
    accessToken = obtained.tokens.access_token;
    browser = new HttpSession(url);
    await signInWithDevLogin(browser, { email: 'hostile-browser@example.com' });
  });
  after(async () => {
    await app.close();
    await docs.close();
  });

  const register = (metadata: Record<string, unknown>) =>
    fetch(`${url}/api/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Hostile',
        redirect_uris: [DEFAULT_REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        ...metadata,
      }),
    });
  const authorize = (params: Record<string, string>) =>
    fetch(
      authorizeUrl(url, {
        client_id: client.client_id,
        code_challenge: pkcePair().challenge,
        state: 'ok',
        ...params,
      }),
      { redirect: 'manual' },
    );
  const form = (path: string, params: Record<string, string>) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
  const errorPage = (error: string) => (html: string) =>
    assert.match(html, new RegExp(`<code id="error-code">${error}</code>`));
  const rfc7592 = (method: string, value: string) =>
    fetch(`${url}/api/oauth/register/${encodeRaw(value)}`, {
      method,
      headers: {
        authorization: `Bearer ${client.registration_access_token}`,
        'content-type': 'application/json',
      },
      body: method === 'PUT' ? JSON.stringify({ redirect_uris: [DEFAULT_REDIRECT_URI] }) : undefined,
    });

  /** A path segment that is not UTF-8 cannot even be decoded: 400 before any lookup. */
  const NOT_UTF8_PATH = { surrogate: { status: 400, expect: 'invalid_request' } };

  const probes: Probe[] = [
    // RFC 7591 §3.2.2
    {
      name: 'register client_name',
      send: (v) => register({ client_name: v }),
      status: 400,
      expect: 'invalid_client_metadata',
    },
    {
      name: 'register redirect_uris',
      send: (v) => register({ redirect_uris: [`${DEFAULT_REDIRECT_URI}?x=${v}`] }),
      status: 400,
      expect: 'invalid_redirect_uri',
    },
    {
      name: 'register redirect_uris (raw)',
      send: (v) => register({ redirect_uris: [`http://127.0.0.1:7777/c${v}`] }),
      status: 400,
      expect: 'invalid_redirect_uri',
    },
    {
      name: 'register client_uri',
      send: (v) => register({ client_uri: `https://example.com/${v}` }),
      status: 400,
      expect: 'invalid_client_metadata',
    },
    {
      name: 'register scope',
      send: (v) => register({ scope: `notes:read ${v}` }),
      status: 400,
      expect: 'invalid_client_metadata',
    },
    {
      name: 'register contacts',
      send: (v) => register({ contacts: [`x${v}@example.com`] }),
      status: 400,
      expect: 'invalid_client_metadata',
    },
    {
      name: 'register software_id',
      send: (v) => register({ software_id: v }),
      status: 400,
      expect: 'invalid_client_metadata',
    },
    {
      name: 'register software_version',
      send: (v) => register({ software_version: v }),
      status: 400,
      expect: 'invalid_client_metadata',
    },
    // RFC 6749 §4.1.2.1: before client_id/redirect_uri are known good, an error page (never a redirect).
    {
      name: 'authorize client_id',
      send: (v) => authorize({ client_id: v }),
      status: 400,
      expect: errorPage('invalid_request'),
    },
    {
      name: 'authorize redirect_uri',
      send: (v) => authorize({ redirect_uri: `${DEFAULT_REDIRECT_URI}${v}` }),
      status: 400,
      expect: errorPage('invalid_request'),
    },
    // state is echoed verbatim and may be any Unicode text (a lone surrogate arrives as U+FFFD), but never a control character.
    {
      name: 'authorize state',
      send: (v) => authorize({ state: v }),
      status: 400,
      expect: errorPage('invalid_request'),
      kinds: ['nul', 'control', 'newline'],
    },
    {
      name: 'authorize scope',
      send: (v) => authorize({ scope: v }),
      status: 400,
      expect: errorPage('invalid_request'),
    },
    // The sign-in continuation and the upstream callback: a handle that cannot exist, a refusal page.
    {
      name: 'authorize/continue request_id',
      send: (v) =>
        fetch(`${url}/oauth/authorize/continue?request_id=${encodeRaw(v)}`, { redirect: 'manual' }),
      status: 400,
      expect: errorPage('invalid_request'),
    },
    {
      name: 'auth callback state',
      send: (v) => fetch(`${url}/auth/dev/callback?state=${encodeRaw(v)}`, { redirect: 'manual' }),
      status: 404,
      expect: (html) => assert.match(html, /<html/),
    },
    // RFC 6749 §5.2
    {
      name: 'token client_id',
      send: (v) => tokenRequest(url, { grant_type: 'authorization_code', code: 'abc', client_id: v }),
      status: 400,
      expect: 'invalid_request',
    },
    {
      name: 'token code',
      send: (v) =>
        tokenRequest(url, {
          grant_type: 'authorization_code',
          code: v,
          client_id: client.client_id,
          code_verifier: 'x'.repeat(43),
        }),
      status: 400,
      expect: 'invalid_request',
    },
    {
      name: 'token refresh_token',
      send: (v) =>
        tokenRequest(url, { grant_type: 'refresh_token', refresh_token: v, client_id: client.client_id }),
      status: 400,
      expect: 'invalid_request',
    },
    {
      name: 'token client_secret',
      send: (v) =>
        tokenRequest(url, {
          grant_type: 'refresh_token',
          refresh_token: 'abc',
          client_id: confidential.client_id,
          client_secret: v,
        }),
      status: 400,
      expect: 'invalid_request',
    },
    {
      name: 'token basic client_id',
      send: (v) =>
        fetch(`${url}/api/oauth/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${encodeRaw(v)}:secret`).toString('base64')}`,
          },
          body: 'grant_type=refresh_token&refresh_token=abc',
        }),
      status: 400,
      expect: 'invalid_request',
      // Bytes that are not UTF-8 make the credentials unreadable: RFC 6749 §5.2 client authentication failed.
      otherwise: { surrogate: { status: 401, expect: 'invalid_client' } },
    },
    // RFC 7009 §2.1 / RFC 7662 §2.1
    {
      name: 'revoke token',
      send: (v) => form('/api/oauth/revoke', { token: v, client_id: client.client_id }),
      status: 400,
      expect: 'invalid_request',
    },
    {
      name: 'revoke client_id',
      send: (v) => form('/api/oauth/revoke', { token: 'abc', client_id: v }),
      status: 400,
      expect: 'invalid_request',
    },
    {
      name: 'introspect token',
      send: (v) =>
        form('/api/oauth/introspect', {
          token: v,
          client_id: confidential.client_id,
          client_secret: confidential.client_secret!,
        }),
      status: 400,
      expect: 'invalid_request',
    },
    // RFC 7592 §2: an id that cannot exist is answered like an unknown one.
    {
      name: 'RFC 7592 GET path',
      send: (v) => rfc7592('GET', v),
      status: 401,
      expect: 'invalid_token',
      otherwise: NOT_UTF8_PATH,
    },
    {
      name: 'RFC 7592 PUT path',
      send: (v) => rfc7592('PUT', v),
      status: 401,
      expect: 'invalid_token',
      otherwise: NOT_UTF8_PATH,
    },
    {
      name: 'RFC 7592 DELETE path',
      send: (v) => rfc7592('DELETE', v),
      status: 401,
      expect: 'invalid_token',
      otherwise: NOT_UTF8_PATH,
    },
    // MCP tools: the argument cannot be stored → a tool error the model can read, not an internal error.
    {
      name: 'tools/call notes_create title',
      send: (v) =>
        postMcp(url, accessToken, {
          method: 'tools/call',
          params: { name: 'notes_create', arguments: { title: v, body: 'x' } },
        }),
      status: 200,
      expect: (body) => {
        const parsed = JSON.parse(body) as { result?: { isError?: boolean; content: { text: string }[] } };
        assert.equal(parsed.result?.isError, true, body);
        assert.match(parsed.result?.content[0].text ?? '', /cannot|invalid|not allowed/i, body);
      },
      kinds: ['nul', 'surrogate'],
    },
  ];

  for (const [kind, value] of Object.entries(HOSTILE)) {
    for (const probe of probes) {
      if (probe.kinds && !probe.kinds.includes(kind)) continue;
      it(`${probe.name} with ${kind}`, async () => {
        const res = await probe.send(value);
        const body = await res.text();
        const expected = probe.otherwise?.[kind] ?? probe;
        assert.equal(res.status, expected.status, `${probe.name}: ${res.status} ${body.slice(0, 300)}`);
        if (typeof expected.expect === 'string') {
          assert.equal((JSON.parse(body) as { error: string }).error, expected.expect, body);
          assert.equal(res.headers.get('cache-control'), 'no-store');
        } else {
          expected.expect(body);
        }
      });
    }
  }

  it('dev sign-in with a NUL byte in the name or email: the form is refused (400 page)', async () => {
    for (const field of ['name', 'email'] as const) {
      const session = new HttpSession(url);
      const page = await session.follow('/login');
      const login = parseForms(page.text).find((f) => f.action === '/auth/dev');
      assert.ok(login);
      const values = { email: 'nul@example.com', name: 'Nul' };
      values[field] = field === 'email' ? 'n\u0000ul@example.com' : 'N\u0000ul';
      const res = await session.submit(login, page.url, values);
      assert.equal(res.response.status, 400, `${field}: ${res.text.slice(0, 300)}`);
      assert.equal(
        session.cookieNames().some((n) => /session/i.test(n)),
        false,
        'no session was created',
      );
    }
  });

  it('a lone surrogate in a URL client metadata document is an invalid document, not a 500', async () => {
    const path = '/clients/surrogate.json';
    const clientId = docs.url(path);
    docs.route(path, (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          `{"client_id":${JSON.stringify(clientId)},"client_name":"Bad \\ud800 name","redirect_uris":[${JSON.stringify(DEFAULT_REDIRECT_URI)}]}`,
        ),
    );
    const res = await authorize({ client_id: clientId });
    assert.equal(res.status, 400);
    errorPage('invalid_client')(await res.text());
  });

  it('/account/activity?before= beyond bigint is a 400 page, not a 500', async () => {
    for (const before of ['9223372036854775808', '9999999999999999999']) {
      const res = await browser.request(`/account/activity?before=${before}`);
      assert.equal(res.status, 400, before);
    }
    assert.equal((await browser.request('/account/activity?before=9223372036854775807')).status, 200);
  });

  it('no warn- or error-level line in the server log for any of the above (info at most)', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const errors = server
      .output()
      .split('\n')
      .filter((line) => /"level":(40|50|60)/.test(line));
    assert.deepEqual(errors, []);
    assert.doesNotMatch(server.output(), /"statusCode":5\d\d|"status":5\d\d/);
  });
});
