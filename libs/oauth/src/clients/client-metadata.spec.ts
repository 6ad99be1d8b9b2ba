import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidClientMetadataError, InvalidRedirectUriError } from '../common/oauth-errors';
import { fakeScopeRegistry } from '../common/testing';
import { validateClientMetadata } from './client-metadata';

const scopes = fakeScopeRegistry();
const base = { redirect_uris: ['https://app.example.com/cb'] };

describe('validateClientMetadata (RFC 7591, AS-REG-*)', () => {
  it('applies RFC 7591 defaults: client_secret_basic, authorization_code, code', () => {
    const m = validateClientMetadata(base, scopes);
    assert.equal(m.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.deepEqual(m.grantTypes, ['authorization_code']);
    assert.deepEqual(m.responseTypes, ['code']);
    assert.equal(m.applicationType, null);
  });
  it('treats an authorization_code-only public client as allowing refresh (AS-RT-05)', () => {
    const m = validateClientMetadata({ ...base, token_endpoint_auth_method: 'none' }, scopes);
    assert.deepEqual(m.grantTypes, ['authorization_code', 'refresh_token']);
  });
  it('removes control and bidi-override characters from client_name', () => {
    const m = validateClientMetadata({ ...base, client_name: 'Good\u202Eeman\u0007 App' }, scopes);
    assert.equal(m.clientName, 'Goodeman App');
    assert.equal(validateClientMetadata({ ...base, client_name: '\u202E' }, scopes).clientName, null);
  });
  it('narrows scope to supported scopes, ignores unknown fields', () => {
    const m = validateClientMetadata({ ...base, scope: 'notes:read bogus', extra_field: { a: 1 } }, scopes);
    assert.equal(m.scope, 'notes:read');
    assert.equal((m as unknown as Record<string, unknown>).extra_field, undefined);
  });
  const redirectErrors: [string, unknown][] = [
    ['missing redirect_uris', {}],
    ['empty redirect_uris', { redirect_uris: [] }],
    ['non-array redirect_uris', { redirect_uris: 'https://a.example/cb' }],
    ['http non-loopback', { redirect_uris: ['http://a.example/cb'] }],
    ['fragment', { redirect_uris: ['https://a.example/cb#x'] }],
    ['javascript:', { redirect_uris: ['javascript:alert(1)'] }],
    ['data:', { redirect_uris: ['data:text/html,x'] }],
  ];
  for (const [name, body] of redirectErrors) {
    it(`invalid_redirect_uri: ${name}`, () =>
      assert.throws(() => validateClientMetadata(body, scopes), InvalidRedirectUriError));
  }
  const metadataErrors: [string, unknown][] = [
    ['unknown auth method', { ...base, token_endpoint_auth_method: 'private_key_jwt' }],
    ['client_credentials grant', { ...base, grant_types: ['client_credentials'] }],
    ['implicit response type', { ...base, response_types: ['token'] }],
    ['refresh_token without authorization_code', { ...base, grant_types: ['refresh_token'] }],
    ['non-string client_name', { ...base, client_name: 5 }],
    ['javascript logo_uri', { ...base, logo_uri: 'javascript:alert(1)' }],
    ['http client_uri', { ...base, client_uri: 'http://a.example' }],
    ['bad application_type', { ...base, application_type: 'browser' }],
    ['not an object', ['x']],
  ];
  for (const [name, body] of metadataErrors) {
    it(`invalid_client_metadata: ${name}`, () =>
      assert.throws(() => validateClientMetadata(body, scopes), InvalidClientMetadataError));
  }
});
