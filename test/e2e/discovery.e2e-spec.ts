// Checks the discovery: RFC 8414 AS metadata and RFC 9728 protected resource metadata at the root and
// path-inserted URLs (RS-PRM-01..06, RS-PRM-09/10, AS-MD-06/08/09/10/12/13), CORS for browser clients (AS-MD-03).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';

describe('discovery documents', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('serves AS metadata whose issuer equals the URL it was fetched for (AS-MD-12)', async () => {
    const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`, {
      headers: { 'MCP-Protocol-Version': '2025-11-25', Accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('cache-control') ?? '', /max-age=\d+/);
    const m = (await res.json()) as Record<string, unknown>;
    assert.equal(m.issuer, t.url);
    for (const key of [
      'authorization_endpoint',
      'token_endpoint',
      'registration_endpoint',
      'revocation_endpoint',
    ]) {
      assert.ok(String(m[key]).startsWith(`${t.url}/`), `${key} hangs off the issuer`);
    }
    assert.deepEqual(m.response_types_supported, ['code']);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    assert.equal(m.authorization_response_iss_parameter_supported, true);
    // AS-MD-11: URL client ids (Client ID Metadata Documents) are advertised.
    assert.equal(m.client_id_metadata_document_supported, true);
    assert.ok(Array.isArray(m.scopes_supported) && m.scopes_supported.length > 0);
  });

  it('serves PRM at the path-inserted and root URLs, identical, naming this issuer (RS-PRM-05/06)', async () => {
    const inserted = await fetch(`${t.url}/.well-known/oauth-protected-resource/mcp`);
    const root = await fetch(`${t.url}/.well-known/oauth-protected-resource`);
    assert.equal(inserted.status, 200);
    assert.equal(root.status, 200);
    const a = (await inserted.json()) as Record<string, unknown>;
    const b = (await root.json()) as Record<string, unknown>;
    assert.deepEqual(a, b);
    assert.equal(a.resource, `${t.url}/mcp`);
    assert.deepEqual(a.authorization_servers, [t.url]);
    assert.deepEqual(a.bearer_methods_supported, ['header']);
    assert.ok(Array.isArray(a.scopes_supported) && !a.scopes_supported.includes('offline_access'));
    assert.equal(typeof a.resource_name, 'string');
  });

  it('answers the CORS preflight for MCP-Protocol-Version (AS-MD-03)', async () => {
    const res = await fetch(`${t.url}/.well-known/oauth-protected-resource/mcp`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'mcp-protocol-version',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /MCP-Protocol-Version/i);
  });

  it('does not invent other documents: unknown suffixes are 404, and OIDC discovery is not claimed', async () => {
    assert.equal((await fetch(`${t.url}/.well-known/oauth-protected-resource/other`)).status, 404);
    assert.equal((await fetch(`${t.url}/.well-known/openid-configuration`)).status, 404);
    assert.equal(
      (await fetch(`${t.url}/.well-known/oauth-authorization-server`, { method: 'POST' })).status,
      404,
    );
  });
});

describe('discovery documents with a PUBLIC_URL that has a path', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { PUBLIC_URL: 'https://gateway.example.com/tenant1' } });
  });
  after(async () => {
    await t.close();
  });

  it('serves the path-inserted forms and keeps issuer and resource on the public URL (AS-MD-06, LB-07)', async () => {
    const as = await fetch(`${t.url}/.well-known/oauth-authorization-server/tenant1`);
    assert.equal(as.status, 200);
    const m = (await as.json()) as Record<string, unknown>;
    assert.equal(m.issuer, 'https://gateway.example.com/tenant1');
    assert.equal(m.token_endpoint, 'https://gateway.example.com/tenant1/api/oauth/token');
    const prm = await fetch(`${t.url}/.well-known/oauth-protected-resource/tenant1/mcp`);
    assert.equal(prm.status, 200);
    const p = (await prm.json()) as Record<string, unknown>;
    assert.equal(p.resource, 'https://gateway.example.com/tenant1/mcp');
    assert.deepEqual(p.authorization_servers, ['https://gateway.example.com/tenant1']);
  });
});
