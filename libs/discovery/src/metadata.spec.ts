import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@app/config';
import { ENTERPRISE_CONFIG, type ScopeDefinition, type ScopeRegistry } from '@app/oauth';
import {
  authorizationServerMetadataUrl,
  buildAuthorizationServerMetadata,
  buildProtectedResourceMetadata,
  documentPaths,
  protectedResourceMetadataUrl,
} from './metadata';

const defs: ScopeDefinition[] = [
  { name: 'profile:read', description: 'p', implies: [], isDefault: true },
  { name: 'notes:write', description: 'w', implies: ['notes:read'], isDefault: false },
  { name: 'offline_access', description: 'o', implies: [], isDefault: true },
];
const scopes: ScopeRegistry = {
  all: () => defs,
  get: (n) => defs.find((d) => d.name === n),
  defaults: () => defs.filter((d) => d.isDefault).map((d) => d.name),
  expand: (s) => new Set(s),
  toolDeclarations: () => [],
  toolsUnder: () => [],
  scopeToolsDigest: () => '',
};

describe('discovery metadata', () => {
  const config = loadConfig({ PUBLIC_URL: 'https://mcp.example.com' }, [ENTERPRISE_CONFIG]);

  it('AS metadata: with a trusted company IdP, the jwt-bearer grant and the ID-JAG profile (EXT-EMA-01)', () => {
    const withIdp = loadConfig(
      { PUBLIC_URL: 'https://mcp.example.com', ENTERPRISE_IDP_ISSUERS: 'https://login.example.com' },
      [ENTERPRISE_CONFIG],
    );
    const m = buildAuthorizationServerMetadata(withIdp, scopes);
    assert.deepEqual(m.grant_types_supported, [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    assert.deepEqual(m.authorization_grant_profiles_supported, [
      'urn:ietf:params:oauth:grant-profile:id-jag',
    ]);
  });

  it('AS metadata: issuer is PUBLIC_URL exactly and every endpoint hangs off it (AS-MD-08/09)', () => {
    const m = buildAuthorizationServerMetadata(config, scopes);
    assert.equal(m.issuer, 'https://mcp.example.com');
    assert.equal(m.authorization_endpoint, 'https://mcp.example.com/oauth/authorize');
    assert.equal(m.token_endpoint, 'https://mcp.example.com/api/oauth/token');
    assert.equal(m.registration_endpoint, 'https://mcp.example.com/api/oauth/register');
    assert.equal(m.revocation_endpoint, 'https://mcp.example.com/api/oauth/revoke');
    assert.equal(m.introspection_endpoint, 'https://mcp.example.com/api/oauth/introspect');
    assert.deepEqual(m.response_types_supported, ['code']);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(m.grant_types_supported, ['authorization_code', 'refresh_token']);
    assert.equal(m.authorization_grant_profiles_supported, undefined, 'no trusted IdP, no ID-JAG profile');
    assert.equal(m.authorization_response_iss_parameter_supported, true);
    // AS-MD-11: URL client ids (Client ID Metadata Documents) are advertised.
    assert.equal(m.client_id_metadata_document_supported, true);
    assert.deepEqual(m.scopes_supported, ['profile:read', 'notes:write', 'offline_access']);
  });

  it('PRM: resource is PUBLIC_URL/mcp, the AS is the issuer, scopes are the defaults without offline_access', () => {
    const m = buildProtectedResourceMetadata(config, scopes);
    assert.equal(m.resource, 'https://mcp.example.com/mcp');
    assert.deepEqual(m.authorization_servers, ['https://mcp.example.com']);
    assert.deepEqual(m.scopes_supported, ['profile:read']); // RS-PRM-09, RS-PRM-10
    assert.deepEqual(m.bearer_methods_supported, ['header']);
  });

  it('inserts the well-known suffix between host and path (RFC 9728 §3.1, RFC 8414 §3)', () => {
    assert.equal(
      protectedResourceMetadataUrl(config),
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    );
    assert.equal(
      authorizationServerMetadataUrl(config),
      'https://mcp.example.com/.well-known/oauth-authorization-server',
    );
    const withPath = loadConfig({ PUBLIC_URL: 'https://example.com/tenant1/' }, [ENTERPRISE_CONFIG]);
    assert.equal(
      protectedResourceMetadataUrl(withPath),
      'https://example.com/.well-known/oauth-protected-resource/tenant1/mcp',
    );
    assert.equal(
      authorizationServerMetadataUrl(withPath),
      'https://example.com/.well-known/oauth-authorization-server/tenant1',
    );
    assert.deepEqual(documentPaths(withPath).authorizationServer, [
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/tenant1',
    ]);
  });
});
