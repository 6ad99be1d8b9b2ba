// Checks the acceptance with the official MCP SDK client (Client + StreamableHTTPClientTransport +
// OAuthClientProvider): RS-TOK-01/02 + RS-PRM-05 (401 → resource metadata → AS metadata), AS-REG (DCR),
// authorize with PKCE/state/iss/resource → token → tools/list → tools/call whoami; refresh after expiry
// (RS-TOK-02, AS-RT-06); revocation → 401 (RS-TOK-03); RS-SC-04/05 step-up 403; TR-02; audit events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTestApp, type TestApp } from '../support/app';
import {
  AuthorizationRefused,
  connectMcpClient,
  postMcp,
  TestOAuthProvider,
  type FetchRecord,
} from '../support/mcp-client';
import { obtainTokens } from '../support/oauth-flow';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until a raw /mcp request with `token` gets 401; returns how long that took. */
async function until401(
  url: string,
  token: string,
  timeoutMs = 3000,
): Promise<{ ms: number; res: Response }> {
  const started = Date.now();
  for (;;) {
    const res = await postMcp(url, token, { method: 'tools/list', params: {} });
    if (res.status === 401) return { ms: Date.now() - started, res };
    await res.text();
    if (Date.now() - started > timeoutMs) assert.fail(`token still accepted after ${timeoutMs} ms`);
    await sleep(25);
  }
}

describe('MCP SDK client against the running server', () => {
  let t: TestApp;
  let url: string;
  let metadataUrl: string;
  let client: Client;
  const provider = () => alice;
  let alice: TestOAuthProvider;
  const log: FetchRecord[] = [];

  before(async () => {
    t = await startTestApp();
    url = t.url;
    metadataUrl = `${url}/.well-known/oauth-protected-resource/mcp`;
    alice = new TestOAuthProvider(url, { email: 'alice@example.com', name: 'Alice Example' });
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await t.close();
  });

  it('goes from nothing to a tool result: 401 → PRM → AS metadata → DCR → authorize → token → tools', async () => {
    ({ client } = await connectMcpClient(url, provider(), log));
    const steps = log.map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.deepEqual(steps.slice(0, 7), [
      'POST /mcp 401',
      'GET /.well-known/oauth-protected-resource/mcp 200',
      'GET /.well-known/oauth-authorization-server 200',
      'POST /api/oauth/register 201',
      'POST /api/oauth/token 200',
      'POST /mcp 200',
      'POST /mcp 202',
    ]);
    // Stateless (LB-02): no GET stream; if the SDK tries one it gets 405 and carries on.
    assert.ok(
      steps.slice(7).every((s) => s === 'GET /mcp 405'),
      steps.join('\n'),
    );

    // The SDK asked for the challenge's scopes, for this resource, with PKCE S256 and state.
    assert.equal(alice.authorizations.length, 1);
    const authorize = alice.authorizations[0];
    assert.equal(authorize.pathname, '/oauth/authorize');
    assert.equal(authorize.searchParams.get('resource'), `${url}/mcp`);
    assert.equal(authorize.searchParams.get('scope'), 'profile:read notes:read');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state'));
    assert.equal(alice.savedTokens.length, 1);
    assert.ok(alice.savedTokens[0].refresh_token, 'a refresh token was issued');

    const { tools } = await client.listTools();
    // Every tool the person could be granted is listed (the default scopes cover only some of them).
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [
      'notes_create',
      'notes_delete',
      'notes_get',
      'notes_list',
      'whoami',
    ]);

    const result = await client.callTool({ name: 'whoami', arguments: {} });
    assert.equal(result.isError, undefined);
    const rows: { id: string }[] = await t.dataSource.query('SELECT id FROM users WHERE email = $1', [
      'alice@example.com',
    ]);
    assert.equal(rows.length, 1);
    assert.deepEqual(result.structuredContent, {
      caller: 'person',
      user: { id: rows[0].id, name: 'Alice Example', email: 'alice@example.com' },
      client: { id: alice.clientInformation()!.client_id },
      scopes: ['notes:read', 'profile:read'],
    });
  });

  it('the 401 challenge is exact (RS-TOK-01/02, RS-SC-01)', async () => {
    const none = await postMcp(url, undefined, { method: 'tools/list', params: {} });
    assert.equal(none.status, 401);
    assert.equal(
      none.headers.get('www-authenticate'),
      `Bearer resource_metadata="${metadataUrl}", scope="profile:read notes:read"`,
    );
    const bad = await postMcp(url, 'mat_not-a-real-token', { method: 'tools/list', params: {} });
    assert.equal(bad.status, 401);
    assert.equal(
      bad.headers.get('www-authenticate'),
      `Bearer error="invalid_token", resource_metadata="${metadataUrl}", scope="profile:read notes:read"`,
    );
  });

  it('after the access token expires, the SDK refreshes by itself and the next call succeeds', async () => {
    const before = alice.tokens()!;
    // ACCESS_TOKEN_TTL cannot go below 60 s, so the test expires the token row instead of waiting, and
    // announces it on the revocation channel so the verifier's per-replica cache forgets it at once.
    const expired: { id: string }[] = await t.dataSource.query(
      `WITH e AS (UPDATE oauth_access_tokens SET expires_at = now() - interval '1 second'
        WHERE client_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING id) SELECT id FROM e`,
      [alice.clientInformation()!.client_id],
    );
    assert.equal(expired.length, 1);
    await t.dataSource.query(`SELECT pg_notify('oauth_revocations', $1)`, [
      JSON.stringify({ kind: 'token', id: expired[0].id }),
    ]);
    const { res } = await until401(url, before.access_token);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer error="invalid_token", resource_metadata="${metadataUrl}", scope="profile:read notes:read"`,
    );

    log.length = 0;
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    assert.equal((result.structuredContent as { user: { email: string } }).user.email, 'alice@example.com');
    assert.deepEqual(
      log.map((r) => `${r.method} ${r.path} ${r.status}`),
      ['POST /mcp 401', 'POST /api/oauth/token 200', 'POST /mcp 200'],
    );
    assert.equal(alice.authorizations.length, 1, 'no new authorization: a refresh');
    assert.equal(alice.savedTokens.length, 2);
    assert.notEqual(alice.tokens()!.access_token, before.access_token);
    assert.notEqual(alice.tokens()!.refresh_token, before.refresh_token, 'the refresh token rotated');
  });

  it('after the grant is revoked (RFC 7009, with the refresh token) the next call gets 401', async () => {
    const current = alice.tokens()!;
    const revoke = await fetch(`${url}/api/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: current.refresh_token!,
        token_type_hint: 'refresh_token',
        client_id: alice.clientInformation()!.client_id,
      }).toString(),
    });
    assert.equal(revoke.status, 200);
    const { ms, res } = await until401(url, current.access_token);
    assert.ok(ms < 1000, `revocation took ${ms} ms to reach /mcp`);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer error="invalid_token", resource_metadata="${metadataUrl}", scope="profile:read notes:read"`,
    );

    // The SDK gets the 401, its refresh is refused (the grant is gone) and it would need the user again.
    alice.allowAuthorization = false;
    log.length = 0;
    await assert.rejects(
      client.callTool({ name: 'whoami', arguments: {} }),
      (e: unknown) => e instanceof AuthorizationRefused,
    );
    assert.deepEqual(
      log.slice(0, 2).map((r) => `${r.method} ${r.path} ${r.status}`),
      ['POST /mcp 401', 'POST /api/oauth/token 400'],
    );
    assert.equal(alice.authorizations.length, 2);
  });

  it('a token with only profile:read gets the 403 step-up challenge for notes_create (RS-SC-04/05)', async () => {
    const { tokens } = await obtainTokens(url, {
      email: 'alice@example.com',
      scope: 'profile:read',
      resource: `${url}/mcp`,
    });
    assert.equal(tokens.scope, 'profile:read');
    const list = await postMcp(url, tokens.access_token, { method: 'tools/list', params: {} });
    // Listed although the token does not cover it, with the scope it needs.
    const listed = ((await list.json()) as { result: { tools: { name: string; _meta: unknown }[] } }).result
      .tools;
    assert.deepEqual(listed.find((x) => x.name === 'notes_create')?._meta, {
      'dev.mcp-auth-server/requiredScopes': ['notes:write'],
    });
    const res = await postMcp(url, tokens.access_token, {
      method: 'tools/call',
      params: { name: 'notes_create', arguments: { title: 'hello' } },
    });
    assert.equal(res.status, 403);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer error="insufficient_scope", scope="notes:write", resource_metadata="${metadataUrl}"`,
    );
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const notes: { count: string }[] = await t.dataSource.query('SELECT count(*)::text AS count FROM notes');
    assert.equal(notes[0].count, '0', 'nothing was written');
  });

  it('a malformed JSON body is a JSON-RPC parse error, not the framework default', async () => {
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
      body: '{"jsonrpc": "2.0", ',
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), {
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
      id: null,
    });
  });

  it('a foreign Origin is refused with 403, even with a valid token (TR-02)', async () => {
    const { tokens } = await obtainTokens(url, { email: 'alice@example.com', resource: `${url}/mcp` });
    const res = await postMcp(
      url,
      tokens.access_token,
      { method: 'tools/list', params: {} },
      {
        origin: 'https://evil.example',
      },
    );
    assert.equal(res.status, 403);
    const ok = await postMcp(url, tokens.access_token, { method: 'tools/list', params: {} }, { origin: url });
    assert.equal(ok.status, 200);
  });

  it('every tool call left an audit event with user, client, grant, tool, outcome and duration', async () => {
    let rows: { user_id: string; client_id: string; grant_id: string; detail: Record<string, unknown> }[] =
      [];
    for (let i = 0; i < 40 && rows.length < 3; i++) {
      rows = await t.dataSource.query(
        `SELECT user_id, client_id, grant_id, detail FROM audit_events WHERE type = 'tool.called' ORDER BY id`,
      );
      if (rows.length < 3) await sleep(50);
    }
    assert.deepEqual(
      rows.map((r) => [r.detail.tool, r.detail.outcome]),
      [
        ['whoami', 'ok'],
        ['whoami', 'ok'],
        ['notes_create', 'insufficient_scope'],
      ],
    );
    for (const row of rows) {
      assert.match(row.user_id, /^[0-9a-f-]{36}$/);
      assert.ok(row.client_id);
      assert.match(row.grant_id, /^[0-9a-f-]{36}$/);
      assert.equal(typeof row.detail.durationMs, 'number');
    }
    assert.equal(rows[0].client_id, alice.clientInformation()!.client_id);
    assert.doesNotMatch(JSON.stringify(rows), /hello/, 'no argument values');
  });
});
