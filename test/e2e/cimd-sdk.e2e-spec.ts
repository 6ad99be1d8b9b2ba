// Checks the acceptance with the official MCP SDK client configured with `clientMetadataUrl`:
// AS-REG-03 (CIMD chosen over DCR because AS-MD-11 is advertised), AS-REG-04/05 — no registration, tools work.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTestApp, type TestApp } from '../support/app';
import { startDocumentServer, type DocumentServer } from '../support/cimd-document-server';
import { connectMcpClient, TestOAuthProvider, type FetchRecord } from '../support/mcp-client';
import { HttpSession } from '../support/http-session';
import { authorizeUrl, DEFAULT_REDIRECT_URI, pkcePair } from '../support/oauth-flow';
import { submitDevLoginForm } from '../support/sign-in';

/** The SDK's OAuthClientProvider with a URL client id (the SDK requires it to be https with a path). */
class MetadataUrlProvider extends TestOAuthProvider {
  constructor(
    baseUrl: string,
    readonly clientMetadataUrl: string,
  ) {
    super(baseUrl, { email: 'ken@example.com', name: 'Ken' });
  }
}

describe('MCP SDK client with clientMetadataUrl', () => {
  let docs: DocumentServer;
  let t: TestApp;
  let client: Client | undefined;

  before(async () => {
    // https on localhost with a throw-away certificate; CIMD_ALLOW_INSECURE_LOCALHOST lets the fetcher reach it.
    docs = await startDocumentServer({ tls: true });
    // localhost is a known publisher here: its clients are shown as verified (AS-REG-06 trust policy).
    t = await startTestApp({
      env: { CIMD_ALLOW_INSECURE_LOCALHOST: 'true', CIMD_ALLOWED_HOSTS: 'localhost' },
    });
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await t.close();
    await docs.close();
  });

  it('401 → metadata → authorize with the URL as client_id (no DCR) → token → tools/call', async () => {
    const documentUrl = docs.url('/mcp-client/metadata.json');
    docs.json('/mcp-client/metadata.json', {
      client_id: documentUrl,
      client_name: 'SDK client via metadata document',
      redirect_uris: [DEFAULT_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const provider = new MetadataUrlProvider(t.url, documentUrl);
    const log: FetchRecord[] = [];
    ({ client } = await connectMcpClient(t.url, provider, log));

    assert.equal(provider.authorizations.length, 1);
    assert.equal(provider.authorizations[0].searchParams.get('client_id'), documentUrl);
    assert.ok(!log.some((r) => r.path === '/api/oauth/register'), 'no dynamic registration');
    assert.ok(log.some((r) => r.path === '/api/oauth/token' && r.status === 200));
    assert.equal(docs.hits('/mcp-client/metadata.json'), 1);

    const result = await client.callTool({ name: 'whoami', arguments: {} });
    assert.notEqual(result.isError, true);
    assert.match(JSON.stringify(result.content), /ken@example\.com/);

    const [row] = await t.dataSource.query<{ client_name: string }[]>(
      `SELECT c.client_name FROM cimd_documents d JOIN oauth_clients c USING (client_id) WHERE d.url = $1`,
      [documentUrl],
    );
    assert.equal(row.client_name, 'SDK client via metadata document');
  });

  it('a client from a host in CIMD_ALLOWED_HOSTS: the consent page shows its host and no "Not verified"', async () => {
    const documentUrl = docs.url('/verified/metadata.json');
    docs.json('/verified/metadata.json', {
      client_id: documentUrl,
      client_name: 'Known publisher app',
      redirect_uris: [DEFAULT_REDIRECT_URI],
    });
    const session = new HttpSession(t.url);
    let step = await session.follow(
      authorizeUrl(t.url, { client_id: documentUrl, code_challenge: pkcePair().challenge }),
    );
    step = await submitDevLoginForm(session, step, { email: 'ken@example.com' });
    assert.equal(step.response.status, 200);
    assert.match(
      step.text,
      new RegExp(
        `<p id="document-host">This application describes itself at <strong>${new URL(documentUrl).host}</strong>`,
      ),
    );
    assert.match(step.text, /<strong id="client-name">Known publisher app<\/strong>/);
    assert.doesNotMatch(step.text, /id="unverified"/);
  });
});
