import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidClientMetadataError, InvalidRedirectUriError } from '../common/oauth-errors';
import { fakeScopeRegistry } from '../common/testing';
import { validateClientMetadata, type MetadataRules } from './client-metadata';

const scopes = fakeScopeRegistry();
const base = { redirect_uris: ['https://app.example.com/cb'] };

describe('validateClientMetadata (RFC 7591, AS-REG-*)', () => {
  it('applies RFC 7591 defaults: client_secret_basic, authorization_code, code', () => {
    const m = validateClientMetadata(base, scopes);
    assert.equal(m.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.deepEqual(m.grantTypes, ['authorization_code']);
    assert.deepEqual(m.responseTypes, ['code']);
    assert.equal(m.applicationType, 'web');
  });
  it('treats an authorization_code-only public client as allowing refresh (AS-RT-05)', () => {
    const m = validateClientMetadata({ ...base, token_endpoint_auth_method: 'none' }, scopes);
    assert.deepEqual(m.grantTypes, ['authorization_code', 'refresh_token']);
  });
  it('removes bidi-override (format) characters from client_name and refuses control characters', () => {
    const m = validateClientMetadata({ ...base, client_name: 'Good\u202Eeman App' }, scopes);
    assert.equal(m.clientName, 'Goodeman App');
    assert.equal(validateClientMetadata({ ...base, client_name: '\u202E' }, scopes).clientName, null);
    for (const name of ['Bell\u0007', 'N\u0000UL', 'Line\nBreak', 'Lone \ud800'])
      assert.throws(
        () => validateClientMetadata({ ...base, client_name: name }, scopes),
        InvalidClientMetadataError,
      );
  });
  it('application_type: native allows private-use and http loopback URIs only (OIDC Registration §2)', () => {
    const native = (uri: string) =>
      validateClientMetadata({ application_type: 'native', redirect_uris: [uri] }, scopes);
    assert.equal(native('com.example.app:/cb').applicationType, 'native');
    assert.equal(native('http://127.0.0.1:9000/cb').applicationType, 'native');
    assert.throws(
      () => native('https://app.example.com/cb'),
      (e: InvalidRedirectUriError) => /application_type native allows only/.test(e.description),
    );
  });
  it('application_type: web allows https and http loopback, never a private-use scheme', () => {
    const web = (uri: string) =>
      validateClientMetadata({ application_type: 'web', redirect_uris: [uri] }, scopes);
    assert.equal(web('https://app.example.com/cb').applicationType, 'web');
    assert.equal(web('http://localhost:3000/cb').applicationType, 'web');
    assert.throws(
      () => web('com.example.app:/cb'),
      (e: InvalidRedirectUriError) => /application_type web allows only https/.test(e.description),
    );
  });
  it('application_type omitted: inferred from the redirect URIs (native for private-use schemes)', () => {
    assert.equal(validateClientMetadata(base, scopes).applicationType, 'web');
    assert.equal(
      validateClientMetadata({ redirect_uris: ['com.example.app:/cb'] }, scopes).applicationType,
      'native',
    );
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
    ['a NUL byte', { redirect_uris: ['https://a.example/c\u0000b'] }],
    ['a CR/LF', { redirect_uris: ['https://a.example/cb\r\nSet-Cookie:x'] }],
    ['a space', { redirect_uris: ['https://a.example/c b'] }],
    ['an iss query parameter', { redirect_uris: ['https://a.example/cb?iss=https://evil.example'] }],
    ['a single-label private-use scheme', { redirect_uris: ['myapp:/cb'] }],
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
    ['NUL in software_id', { ...base, software_id: 'a\u0000b' }],
    ['space in software_id', { ...base, software_id: 'a b' }],
    ['lone surrogate in contacts', { ...base, contacts: ['a\ud800@example.com'] }],
    ['CR/LF in client_uri', { ...base, client_uri: 'https://a.example/\r\nx' }],
    ['not an object', ['x']],
  ];
  for (const [name, body] of metadataErrors) {
    it(`invalid_client_metadata: ${name}`, () =>
      assert.throws(() => validateClientMetadata(body, scopes), InvalidClientMetadataError));
  }

  describe('machine clients and private_key_jwt (EXT-CC-01, RFC 7523 §2.2)', () => {
    const admin: MetadataRules = { via: 'admin', clientCredentials: true, allowInsecureLocalhost: false };
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' };
    const machine = {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    };
    const refused = (body: object, rules: MetadataRules | undefined, pattern: RegExp) =>
      assert.throws(
        () => validateClientMetadata(body, scopes, rules),
        (e: InvalidClientMetadataError) =>
          e instanceof InvalidClientMetadataError && pattern.test(e.description),
      );

    it('an administrator registers a machine-only client: no redirect URIs, no response types', () => {
      const m = validateClientMetadata(machine, scopes, admin);
      assert.deepEqual(m.grantTypes, ['client_credentials']);
      assert.deepEqual(m.redirectUris, []);
      assert.deepEqual(m.responseTypes, []);
    });
    it('client_credentials: off → not supported; self-registration → refused; public → refused', () => {
      refused(
        machine,
        { ...admin, clientCredentials: false },
        /may contain only authorization_code, refresh_token;/,
      );
      refused(machine, { ...admin, via: 'dcr' }, /administrator registers/);
      refused(machine, undefined, /client_credentials" is not supported/);
      refused({ ...machine, token_endpoint_auth_method: 'none' }, admin, /confidential client/);
      refused({ ...machine, response_types: ['code'] }, admin, /response_types must be \[\] when/);
    });
    it('private_key_jwt: exactly one of jwks and jwks_uri, public keys only, https jwks_uri', () => {
      const pk = { ...base, token_endpoint_auth_method: 'private_key_jwt' };
      assert.deepEqual(validateClientMetadata({ ...pk, jwks: { keys: [key] } }, scopes).jwks, {
        keys: [key],
      });
      const uri = 'https://app.example.com/jwks.json';
      assert.equal(validateClientMetadata({ ...pk, jwks_uri: uri }, scopes).jwksUri, uri);
      refused(pk, undefined, /needs the public keys/);
      refused({ ...pk, jwks: { keys: [key] }, jwks_uri: uri }, undefined, /not both/);
      refused({ ...pk, jwks: { keys: [{ ...key, d: 'private' }] } }, undefined, /public keys only/);
      refused({ ...pk, jwks_uri: 'http://app.example.com/jwks.json' }, undefined, /https/);
      refused({ ...pk, jwks_uri: 'https://user:pw@app.example.com/jwks.json' }, undefined, /https/);
    });
    it('other methods ignore jwks and jwks_uri', () => {
      const m = validateClientMetadata(
        { ...base, token_endpoint_auth_method: 'none', jwks: { keys: [] } },
        scopes,
      );
      assert.equal(m.jwks, null);
      assert.equal(m.jwksUri, null);
    });
  });
});
