// The /mcp endpoint over real HTTP with a fake AccessTokenVerifier and a fake audit log (unit level):
// RS-TOK-01/02/04/07 (401 challenges), TR-02 (Origin), TR-05 (405), TR-09 (protocol version),
// RS-SC-04/05/06 (403 step-up, implications), LB-02 (stateless), tool errors and audit events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { Global, Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ConfigModule, loadConfig } from '@app/config';
import { MCP_CONFIG } from '../config/mcp.config';
import { AuditLog, type AuditRecord } from '@app/audit';
import {
  ACCESS_TOKEN_VERIFIER,
  RateLimiter,
  ResourceServerAuthenticator,
  SCOPE_GRANT_POLICY,
  type AccessTokenCheck,
  type AccessTokenVerifier,
  type ScopeGrantPolicy,
} from '@app/oauth';
import { serveRoute } from '@app/web';
import { McpModule } from '../mcp.module';
import { McpRoute } from './mcp-route';
import { McpScopes, McpTool, RequireScopes } from '../tools/decorators';
import { ToolError, type McpCaller, type ToolContext } from '../tools/tool-types';

@McpScopes({
  'things:read': { description: 'Read things', default: true },
  'things:write': { description: 'Write things', implies: ['things:read'] },
  'other:read': { description: 'Read others', default: true },
})
@Injectable()
class ThingTools {
  @McpTool({ name: 'things_get', description: 'Get a thing', input: z.object({ id: z.string().min(3) }) })
  @RequireScopes('things:read')
  get(input: { id: string }, caller: McpCaller) {
    return { id: input.id, userId: caller.userId, scopes: caller.scopes };
  }

  @McpTool({ name: 'things_put', description: 'Store a thing', input: z.object({}) })
  @RequireScopes('things:write')
  put() {
    return 'stored';
  }

  @McpTool({ name: 'things_both', description: 'Needs two scopes', input: z.object({}) })
  @RequireScopes('things:write', 'other:read')
  both() {
    return 'both';
  }

  @McpTool({ name: 'boom', description: 'Fails', input: z.object({}) })
  @RequireScopes('things:read')
  boom(): string {
    throw new Error('connection to postgres://admin:hunter2@db failed');
  }

  @McpTool({ name: 'flaky', description: 'Database down', input: z.object({}) })
  @RequireScopes('things:read')
  flaky(): string {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }

  @McpTool({ name: 'oops', description: 'Fails politely', input: z.object({}) })
  @RequireScopes('things:read')
  oops(_input: object, _caller: McpCaller, context: ToolContext): string {
    context.progress(1, 2, 'looking');
    throw new ToolError('Nothing here');
  }
}

@Module({ providers: [ThingTools] })
class ThingsModule {}

const verified = (scopes: string[], audience: string): AccessTokenCheck => ({
  ok: true,
  token: {
    userId: '11111111-1111-4111-8111-111111111111',
    clientId: 'client-1',
    grantId: '22222222-2222-4222-8222-222222222222',
    scopes,
    audience,
    expiresAt: new Date(Date.now() + 60_000),
  },
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('/mcp endpoint (fake verifier)', () => {
  let app: INestApplication;
  let server: Server;
  let url: string;
  let resource: string;
  let challenge: string;
  const audit: AuditRecord[] = [];
  const audiences: string[] = [];

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    resource = `${url}/mcp`;
    challenge = `resource_metadata="${url}/.well-known/oauth-protected-resource/mcp", scope="things:read other:read"`;
    const verifier: AccessTokenVerifier = {
      verify: async (token, expectedAudience) => {
        audiences.push(expectedAudience);
        switch (token ?? '') {
          case 'read':
            return verified(['things:read'], expectedAudience);
          case 'write':
            return verified(['things:write'], expectedAudience);
          case 'all':
            return verified(['things:write', 'other:read'], expectedAudience);
          case 'lying-verifier':
            return verified(['things:read'], 'https://elsewhere.example/mcp');
          case 'db-down':
            throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
          case 'expired':
            return { ok: false, reason: 'expired' };
          case 'revoked':
            return { ok: false, reason: 'revoked' };
          case 'other-audience':
            return { ok: false, reason: 'wrong_audience' };
          default:
            return { ok: false, reason: 'invalid' };
        }
      },
    };
    // Like the `admin` scope for non-administrators: `other:read` can never be granted here.
    const scopePolicy: ScopeGrantPolicy = {
      grantable: async (_userId, scopes) => scopes.filter((s) => s !== 'other:read'),
    };
    @Global()
    @Module({
      providers: [
        { provide: ACCESS_TOKEN_VERIFIER, useValue: verifier },
        { provide: AuditLog, useValue: { recordInBackground: (e: AuditRecord) => audit.push(e) } },
        { provide: RateLimiter, useValue: { consume: async () => undefined, refusedFor: () => null } },
        { provide: SCOPE_GRANT_POLICY, useValue: scopePolicy },
        ResourceServerAuthenticator,
      ],
      exports: [
        ACCESS_TOKEN_VERIFIER,
        AuditLog,
        RateLimiter,
        ResourceServerAuthenticator,
        SCOPE_GRANT_POLICY,
      ],
    })
    class FakesModule {}
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        PORT: String(port),
        PUBLIC_URL: url,
        MCP_ALLOWED_ORIGINS: 'https://app.example.com',
      },
      [MCP_CONFIG],
    );
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), FakesModule, McpModule, ThingsModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    // The route as the app's edge serves it (body reader, reply), without the every-response headers.
    const route = app.get(McpRoute);
    server = createHttpServer(
      (req, res) => void serveRoute(route, req, res, [], req.socket.remoteAddress ?? null),
    );
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  const rpc = (method: string, params: Record<string, unknown> = {}, id = 1) => ({
    jsonrpc: '2.0',
    id,
    method,
    params,
  });
  const post = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) => {
    const r = request(url)
      .post('/mcp')
      .set('Accept', 'application/json, text/event-stream')
      .set('Content-Type', 'application/json');
    if (token) r.set('Authorization', `Bearer ${token}`);
    for (const [k, v] of Object.entries(headers)) r.set(k, v);
    return r.send(JSON.stringify(body));
  };

  describe('bearer guard (RS-TOK-*)', () => {
    it('no token: 401 with resource_metadata and the default scopes, no error code (RS-TOK-01, RS-SC-01)', async () => {
      const res = await post(undefined, rpc('tools/list')).expect(401);
      assert.equal(res.headers['www-authenticate'], `Bearer ${challenge}`);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.deepEqual(res.body, {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Unauthorized: a bearer token is required' },
        // The request's id: the body was read before the refusal (MCP 2026-07-28 basic §Error Responses).
        id: 1,
      });
    });

    it('GET without a token also gets the challenge (discovery starts there)', async () => {
      const res = await request(url).get('/mcp').expect(401);
      assert.equal(res.headers['www-authenticate'], `Bearer ${challenge}`);
    });

    it('another scheme is no bearer token: challenge without error', async () => {
      const res = await post(undefined, rpc('tools/list'), { Authorization: 'Basic dXNlcjpwYXNz' }).expect(
        401,
      );
      assert.equal(res.headers['www-authenticate'], `Bearer ${challenge}`);
    });

    it('invalid, expired, revoked and wrong-audience tokens: 401 error="invalid_token" (RS-TOK-02/04)', async () => {
      for (const token of ['nonsense', 'expired', 'revoked', 'other-audience', 'lying-verifier']) {
        const res = await post(token, rpc('tools/list')).expect(401);
        assert.equal(res.headers['www-authenticate'], `Bearer error="invalid_token", ${challenge}`, token);
      }
      const malformed = await post(undefined, rpc('tools/list'), { Authorization: 'Bearer a b' }).expect(401);
      assert.equal(malformed.headers['www-authenticate'], `Bearer error="invalid_token", ${challenge}`);
    });

    it('the database is down while checking the token: 503 + Retry-After, not a 401', async () => {
      const res = await post('db-down', rpc('tools/list')).expect(503);
      assert.equal(res.headers['retry-after'], '2');
      assert.equal(res.headers['www-authenticate'], undefined);
      assert.deepEqual(res.body, {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Service temporarily unavailable' },
        // The request's id: the body was read before the refusal (MCP 2026-07-28 basic §Error Responses).
        id: 1,
      });
    });

    it('asks the verifier for this resource as audience (RS-TOK-04, RFC 8707)', async () => {
      audiences.length = 0;
      await post('read', rpc('tools/list')).expect(200);
      assert.deepEqual(audiences, [resource]);
    });

    it('never takes a token from the query string (RS-TOK-07)', async () => {
      const res = await request(url)
        .post('/mcp?access_token=all')
        .set('Accept', 'application/json, text/event-stream')
        .set('Content-Type', 'application/json')
        .send(rpc('tools/list'))
        .expect(401);
      assert.equal(res.headers['www-authenticate'], `Bearer ${challenge}`);
    });
  });

  describe('transport (TR-*)', () => {
    it('a foreign Origin gets 403 even with a valid token (TR-02)', async () => {
      const res = await post('all', rpc('tools/list'), { Origin: 'https://evil.example' }).expect(403);
      assert.deepEqual(res.body, {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Forbidden: Origin not allowed' },
        // The request's id: the body was read before the refusal (MCP 2026-07-28 basic §Error Responses).
        id: 1,
      });
      assert.equal(res.headers['access-control-allow-origin'], undefined);
      await post('all', rpc('tools/list'), { Origin: 'null' }).expect(403);
    });

    it('the public origin and MCP_ALLOWED_ORIGINS pass, with CORS headers; no Origin passes too', async () => {
      for (const origin of [url, 'https://app.example.com']) {
        const res = await post('read', rpc('tools/list'), { Origin: origin }).expect(200);
        assert.equal(res.headers['access-control-allow-origin'], origin);
        assert.equal(res.headers['access-control-expose-headers'], 'WWW-Authenticate');
      }
      await post('read', rpc('tools/list')).expect(200);
      const denied = await post(undefined, rpc('tools/list'), { Origin: 'https://app.example.com' }).expect(
        401,
      );
      assert.equal(denied.headers['access-control-allow-origin'], 'https://app.example.com');
    });

    it('answers a CORS preflight from an allowed origin without a token', async () => {
      const res = await request(url)
        .options('/mcp')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .expect(204);
      assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
      assert.equal(res.headers['access-control-allow-methods'], 'POST');
      assert.match(res.headers['access-control-allow-headers'], /Authorization/);
      await request(url).options('/mcp').set('Origin', 'https://evil.example').expect(403);
    });

    it('GET and DELETE with a valid token: 405 Allow: POST (TR-05, stateless)', async () => {
      for (const method of ['get', 'delete', 'put'] as const) {
        const res = await request(url)[method]('/mcp').set('Authorization', 'Bearer read').expect(405);
        assert.equal(res.headers.allow, 'POST');
      }
    });

    it('an unsupported MCP-Protocol-Version is a 400 UnsupportedProtocolVersionError with the id; the three legacy ones pass (TR-09)', async () => {
      for (const version of ['2024-11-05', 'banana']) {
        const res = await post('read', rpc('tools/list'), { 'MCP-Protocol-Version': version }).expect(400);
        assert.deepEqual(res.body, {
          jsonrpc: '2.0',
          id: 1,
          error: {
            code: -32022,
            message: 'Unsupported protocol version',
            data: { supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'], requested: version },
          },
        });
      }
      // A modern header on a request without the modern _meta: the modern rules refuse it (-32602).
      const modern = await post('read', rpc('tools/list'), { 'MCP-Protocol-Version': '2026-07-28' }).expect(
        400,
      );
      assert.equal(modern.body.error.code, -32602);
      assert.equal(modern.body.id, 1);
      for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
        await post('read', rpc('tools/list'), { 'MCP-Protocol-Version': version }).expect(200);
      }
    });

    it('initialize negotiates a supported version and issues no session id (LB-02)', async () => {
      const init = (protocolVersion: string) =>
        post(
          'read',
          rpc('initialize', { protocolVersion, capabilities: {}, clientInfo: { name: 't', version: '1' } }),
        );
      const old = await init('2025-06-18').expect(200);
      assert.equal(old.body.result.protocolVersion, '2025-06-18');
      assert.equal(old.headers['mcp-session-id'], undefined);
      assert.equal(old.headers['content-type'], 'application/json');
      assert.deepEqual(old.body.result.capabilities, { tools: { listChanged: false } });
      const ancient = await init('2024-11-05').expect(200);
      assert.equal(ancient.body.result.protocolVersion, '2025-11-25');
    });

    it('a notification is accepted with 202 and no body', async () => {
      const res = await post('read', { jsonrpc: '2.0', method: 'notifications/initialized' }).expect(202);
      assert.equal(res.text, '');
    });

    it('the SDK transport rules still apply: wrong Accept 406, not JSON 415, broken JSON-RPC 400', async () => {
      await post('read', rpc('tools/list'), { Accept: 'application/json' }).expect(406);
      await request(url)
        .post('/mcp')
        .set('Authorization', 'Bearer read')
        .set('Accept', 'application/json, text/event-stream')
        .set('Content-Type', 'text/plain')
        .send('hello')
        .expect(415);
      const res = await post('read', { hello: 'world' }).expect(400);
      assert.equal(res.body.error.code, -32700);
      const broken = await request(url)
        .post('/mcp')
        .set('Authorization', 'Bearer read')
        .set('Accept', 'application/json, text/event-stream')
        .set('Content-Type', 'application/json')
        .send('{"jsonrpc": "2.0", ');
      assert.equal(broken.status, 400);
      assert.deepEqual(broken.body, {
        jsonrpc: '2.0',
        error: { code: -32700, message: 'Parse error' },
        id: null,
      });
    });
  });

  describe('tools and scopes (RS-SC-*)', () => {
    const names = (res: { body: { result: { tools: { name: string }[] } } }) =>
      res.body.result.tools.map((t) => t.name).sort();

    it('MCP 2026-07-28 on the Express route: discover, header mismatch, step-up with the id', async () => {
      const meta = {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      };
      const modern = { 'MCP-Protocol-Version': '2026-07-28' };
      const discover = await post('read', rpc('server/discover', { _meta: meta }), {
        ...modern,
        'Mcp-Method': 'server/discover',
      }).expect(200);
      assert.equal(discover.body.result.resultType, 'complete');
      assert.equal(discover.body.result.supportedVersions[0], '2026-07-28');
      const mismatch = await post('read', rpc('tools/list', { _meta: meta }), {
        ...modern,
        'Mcp-Method': 'tools/call',
      }).expect(400);
      assert.equal(mismatch.body.error.code, -32020);
      assert.equal(mismatch.body.id, 1);
      const stepUp = await post(
        'read',
        rpc('tools/call', { name: 'things_put', arguments: {}, _meta: meta }, 9),
        {
          ...modern,
          'Mcp-Method': 'tools/call',
          'Mcp-Name': 'things_put',
        },
      ).expect(403);
      assert.equal(stepUp.body.id, 9);
      assert.match(stepUp.headers['www-authenticate'], /error="insufficient_scope", scope="things:write"/);
    });

    it('progress goes on the request own SSE stream on the Express route too', async () => {
      const res = await post('read', {
        ...rpc('tools/call', { name: 'oops', arguments: {}, _meta: { progressToken: 7 } }),
      })
        .buffer(true)
        .parse((r, done) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => done(null, text));
        })
        .expect(200);
      assert.equal(res.headers['content-type'], 'text/event-stream');
      assert.equal(res.headers['x-accel-buffering'], 'no');
      const events = [...(res.body as string).matchAll(/^data: (.*)$/gm)].map(
        (m) => JSON.parse(m[1]) as unknown,
      );
      assert.deepEqual(events, [
        {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: 7, progress: 1, total: 2, message: 'looking' },
        },
        {
          result: { content: [{ type: 'text', text: 'Nothing here' }], isError: true },
          jsonrpc: '2.0',
          id: 1,
        },
      ]);
    });

    it('tools/list shows every tool the person could be granted, each naming its scopes', async () => {
      const read = await post('read', rpc('tools/list')).expect(200);
      assert.deepEqual(names(read), ['boom', 'flaky', 'oops', 'things_get', 'things_put']);
      const put = read.body.result.tools.find((t: { name: string }) => t.name === 'things_put');
      assert.deepEqual(put._meta, { 'dev.mcp-auth-server/requiredScopes': ['things:write'] });
      assert.match(put.description, /^Store a thing\n\nRequires the OAuth scope things:write;/);
      assert.deepEqual(names(await post('write', rpc('tools/list')).expect(200)), [
        'boom',
        'flaky',
        'oops',
        'things_get',
        'things_put',
      ]);
      assert.deepEqual(names(await post('all', rpc('tools/list')).expect(200)), [
        'boom',
        'flaky',
        'oops',
        'things_both',
        'things_get',
        'things_put',
      ]);
    });

    it('tools/call without the scope: 403 insufficient_scope naming every scope the call needs (RS-SC-04/05)', async () => {
      audit.length = 0;
      const res = await post('read', rpc('tools/call', { name: 'things_put', arguments: {} })).expect(403);
      assert.equal(
        res.headers['www-authenticate'],
        `Bearer error="insufficient_scope", scope="things:write", resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`,
      );
      assert.equal(res.headers['cache-control'], 'no-store');
      // The JSON-RPC error carries the request's id (the body was read before the refusal).
      assert.deepEqual(res.body, {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Forbidden: insufficient_scope' },
        id: 1,
      });
      const both = await post('write', rpc('tools/call', { name: 'things_both', arguments: {} })).expect(403);
      assert.equal(
        both.headers['www-authenticate'],
        `Bearer error="insufficient_scope", scope="things:write other:read", resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`,
      );
      assert.deepEqual(
        audit.map((a) => [a.type, a.detail?.tool, a.detail?.outcome]),
        [
          ['tool.called', 'things_put', 'insufficient_scope'],
          ['tool.called', 'things_both', 'insufficient_scope'],
        ],
      );
    });

    it('a broader scope covers a narrower tool (things:write ⇒ things:read)', async () => {
      const res = await post(
        'write',
        rpc('tools/call', { name: 'things_get', arguments: { id: 'abc' } }),
      ).expect(200);
      assert.deepEqual(res.body.result.structuredContent, {
        id: 'abc',
        userId: '11111111-1111-4111-8111-111111111111',
        scopes: ['things:read', 'things:write'],
      });
      assert.deepEqual(res.body.result.content, [
        { type: 'text', text: JSON.stringify(res.body.result.structuredContent) },
      ]);
    });

    it('an unknown tool is JSON-RPC error -32602 (MCP tools spec)', async () => {
      const res = await post('all', rpc('tools/call', { name: 'nope', arguments: {} }, 7)).expect(200);
      assert.deepEqual(res.body, {
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32602, message: 'Unknown tool: nope' },
      });
    });

    it('invalid arguments are a tool execution error naming the field, not the value', async () => {
      const res = await post(
        'read',
        rpc('tools/call', { name: 'things_get', arguments: { id: 'x9' } }),
      ).expect(200);
      assert.equal(res.body.result.isError, true);
      assert.match(res.body.result.content[0].text, /^Invalid arguments for things_get: id: /);
      assert.doesNotMatch(res.body.result.content[0].text, /x9/);
    });

    it('a tool that throws: isError with a safe message, the detail only in the log', async () => {
      audit.length = 0;
      const res = await post('read', rpc('tools/call', { name: 'boom', arguments: {} })).expect(200);
      assert.deepEqual(res.body.result, {
        content: [{ type: 'text', text: 'The tool failed unexpectedly. The server log has the details.' }],
        isError: true,
      });
      assert.doesNotMatch(JSON.stringify(res.body), /hunter2/);
      const polite = await post('read', rpc('tools/call', { name: 'oops', arguments: {} })).expect(200);
      assert.deepEqual(polite.body.result, {
        content: [{ type: 'text', text: 'Nothing here' }],
        isError: true,
      });
      assert.deepEqual(
        audit.map((a) => a.detail?.outcome),
        ['error', 'tool_error'],
      );
    });

    it('every call writes an audit event with user, client, grant, tool, outcome and duration, never argument values', async () => {
      audit.length = 0;
      await post(
        'read',
        rpc('tools/call', { name: 'things_get', arguments: { id: 'secret-argument-value' } }),
      ).expect(200);
      assert.equal(audit.length, 1);
      const [event] = audit;
      assert.equal(event.type, 'tool.called');
      assert.equal(event.userId, '11111111-1111-4111-8111-111111111111');
      assert.equal(event.clientId, 'client-1');
      assert.equal(event.grantId, '22222222-2222-4222-8222-222222222222');
      assert.equal(event.ip, '127.0.0.1');
      assert.deepEqual(Object.keys(event.detail!).sort(), ['durationMs', 'outcome', 'tool']);
      assert.equal(event.detail!.tool, 'things_get');
      assert.equal(event.detail!.outcome, 'ok');
      assert.equal(typeof event.detail!.durationMs, 'number');
      assert.doesNotMatch(JSON.stringify(audit), /secret-argument-value/);
    });
  });

  it('the official SDK client (Client + StreamableHTTPClientTransport) lists and calls tools', async () => {
    const client = new Client({ name: 'spec', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(resource), {
      requestInit: { headers: { Authorization: 'Bearer write' } },
    });
    await client.connect(transport);
    try {
      assert.equal(transport.sessionId, undefined, 'stateless: no Mcp-Session-Id (LB-02)');
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [
        'boom',
        'flaky',
        'oops',
        'things_get',
        'things_put',
      ]);
      const result = await client.callTool({ name: 'things_put', arguments: {} });
      assert.deepEqual(result.content, [{ type: 'text', text: 'stored' }]);
    } finally {
      await client.close();
    }
  });
});
