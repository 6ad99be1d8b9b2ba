// Checks MCP 2026-07-28 on /mcp with the SDK v2 client (@modelcontextprotocol/client): it negotiates the
// modern era through server/discover, and, pinned to the legacy era, still works through initialize.
// Reachability: with only what discovery and the challenges tell it, the client signs in with the
// default scopes, sees notes_create in tools/list, calls it, is sent through the step-up consent for
// notes:write (RS-SC-04/05), and the call succeeds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { startTestApp, type TestApp } from '../support/app';
import { recordingFetch, TestOAuthProvider, type FetchRecord } from '../support/mcp-client';

/** Runs `step`; when the SDK stops for the person's consent, hands it the redirect and runs `step` again. */
async function withConsent<T>(
  transport: StreamableHTTPClientTransport,
  provider: TestOAuthProvider,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await transport.finishAuth(provider.takeCallback());
    return step();
  }
}

describe('MCP SDK v2 client (modern era by server/discover, and legacy)', () => {
  let t: TestApp;
  let provider: TestOAuthProvider;
  const clients: Client[] = [];

  before(async () => {
    t = await startTestApp();
    provider = new TestOAuthProvider(t.url, { email: 'bob@example.com', name: 'Bob' });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await t.close();
  });

  it('modern era: default scopes first, notes_create listed, step-up consent for notes:write, call succeeds', async () => {
    const log: FetchRecord[] = [];
    const open = () =>
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        authProvider: provider,
        fetch: recordingFetch(log),
      });
    const client = new Client(
      { name: 'sdk-v2-e2e', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    clients.push(client);
    // The discovery probe meets the 401 challenge; the SDK signs the person in, then connects again.
    let transport = open();
    try {
      await client.connect(transport);
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      await transport.finishAuth(provider.takeCallback());
      transport = open();
      await client.connect(transport);
    }
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.equal(provider.authorizations.length, 1);
    // Least privilege first: the 401 challenge's default scopes.
    // The client adds offline_access itself because the authorization server's metadata advertises it
    // (the resource's challenge never names it).
    assert.equal(
      provider.authorizations[0].searchParams.get('scope'),
      'profile:read notes:read offline_access',
    );
    assert.equal(transport.sessionId, undefined, 'no session in 2026-07-28');

    const { tools } = await client.listTools();
    const create = tools.find((x) => x.name === 'notes_create');
    assert.ok(create, `notes_create is listed: ${tools.map((x) => x.name).join(', ')}`);
    assert.deepEqual(create._meta?.['dev.mcp-auth-server/requiredScopes'], ['notes:write']);
    assert.equal(create.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');

    const result = await withConsent(transport, provider, () =>
      client.callTool({ name: 'notes_create', arguments: { title: 'From SDK v2', body: 'stepped up' } }),
    );
    assert.equal(result.isError, undefined, JSON.stringify(result));
    // The 403 step-up sent the person back to consent, this time asking for notes:write too.
    assert.equal(provider.authorizations.length, 2);
    assert.deepEqual(
      provider.authorizations[1].searchParams
        .get('scope')!
        .split(' ')
        .filter((s) => s !== 'offline_access')
        .sort(),
      ['notes:read', 'notes:write', 'profile:read'],
    );
    const notes: { title: string }[] = await t.dataSource.query('SELECT title FROM notes');
    assert.deepEqual(
      notes.map((n) => n.title),
      ['From SDK v2'],
    );
    // Modern requests carried the required headers: the server answered none with 400.
    assert.ok(!log.some((r) => r.path === '/mcp' && r.status === 400), JSON.stringify(log));
    assert.ok(
      log.some((r) => r.path === '/mcp' && r.status === 403),
      'the step-up 403 happened',
    );
  });

  it('pinned to the legacy era (initialize), the same person and tokens still work', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { authProvider: provider });
    const client = new Client(
      { name: 'sdk-v2-legacy', version: '1.0.0' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    clients.push(client);
    await client.connect(transport);
    assert.equal(client.getProtocolEra(), 'legacy');
    assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
    const result = await client.callTool({ name: 'notes_list', arguments: {} });
    assert.equal(result.isError, undefined, JSON.stringify(result));
    assert.match(JSON.stringify(result.structuredContent), /From SDK v2/);
  });
});
