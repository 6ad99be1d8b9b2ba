// AS-REG-04 / AS-REG-05: what a Client ID Metadata Document must contain.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeScopeRegistry } from '../common/testing';
import {
  CimdClientError,
  checkUrlClientId,
  internalClientId,
  isUrlClientId,
  validateClientDocument,
} from './client-document';
import { isAllowedPublisher } from './trust-policy';

const URL_ID = 'https://app.example/client.json';
const good = { client_id: URL_ID, client_name: 'App', redirect_uris: ['https://app.example/cb'] };
const scopes = fakeScopeRegistry();
const refused = (outcome: string, text?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof CimdClientError, String(e));
  assert.equal(e.outcome, outcome);
  if (text) assert.match(e.description, text);
  return true;
};

describe('URL client ids', () => {
  it('isUrlClientId', () => {
    assert.equal(isUrlClientId(URL_ID), true);
    assert.equal(isUrlClientId('HTTP://localhost/x'), true);
    assert.equal(isUrlClientId('mcpc_abc'), false);
  });
  it('internal id: deterministic, at most 64 characters', () => {
    assert.equal(internalClientId(URL_ID), internalClientId(URL_ID));
    assert.notEqual(internalClientId(URL_ID), internalClientId(`${URL_ID}?v=2`));
    assert.ok(internalClientId(`${URL_ID}${'x'.repeat(1500)}`).length <= 64);
  });
  it('https with a path; no fragment, credentials, dot segments; http only on loopback with the setting', () => {
    assert.ok(checkUrlClientId(URL_ID, false));
    assert.ok(checkUrlClientId('http://localhost:9999/c.json', true));
    for (const [id, dev] of [
      ['https://app.example', false],
      ['https://app.example/', false],
      ['https://app.example/c.json#x', false],
      ['https://u:p@app.example/c.json', false],
      ['https://app.example/a/../c.json', false],
      ['http://app.example/c.json', true],
      ['http://localhost:9999/c.json', false],
      [`https://app.example/${'x'.repeat(2001)}`, false],
      ['https://', false],
    ] as const) {
      assert.throws(() => checkUrlClientId(id, dev), refused('invalid_url'), id);
    }
  });
});

describe('validateClientDocument', () => {
  it('accepts a public client document; defaults to none', () => {
    const metadata = validateClientDocument(URL_ID, good, scopes);
    assert.equal(metadata.tokenEndpointAuthMethod, 'none');
    assert.deepEqual(metadata.redirectUris, ['https://app.example/cb']);
    assert.equal(metadata.clientName, 'App');
  });
  it('client_id must equal the URL exactly', () => {
    for (const other of [
      `${URL_ID}/`,
      'https://APP.example/client.json',
      undefined,
      'https://evil.example/client.json',
    ]) {
      assert.throws(
        () => validateClientDocument(URL_ID, { ...good, client_id: other }, scopes),
        refused('client_id_mismatch', /client_id that is not exactly its URL/),
      );
    }
  });
  it('client_name and redirect_uris are required', () => {
    assert.throws(
      () => validateClientDocument(URL_ID, { ...good, client_name: undefined }, scopes),
      refused('invalid_document', /no client_name/),
    );
    assert.throws(
      () => validateClientDocument(URL_ID, { ...good, client_name: '  ' }, scopes),
      refused('invalid_document', /no client_name/),
    );
    assert.throws(
      () => validateClientDocument(URL_ID, { ...good, redirect_uris: undefined }, scopes),
      refused('invalid_document', /no redirect_uris/),
    );
  });
  it('redirect_uris follow the registration rules', () => {
    for (const uris of [
      [],
      ['javascript:alert(1)'],
      ['http://app.example/cb'],
      ['https://app.example/cb#f'],
      'x',
    ]) {
      assert.throws(
        () => validateClientDocument(URL_ID, { ...good, redirect_uris: uris }, scopes),
        refused('invalid_document', /is invalid: redirect_uri/),
      );
    }
  });
  it('none or private_key_jwt with its keys (RFC 7523 §2.2); client_secret_* refused', () => {
    assert.throws(
      () =>
        validateClientDocument(URL_ID, { ...good, token_endpoint_auth_method: 'private_key_jwt' }, scopes),
      refused('invalid_document', /private_key_jwt needs the public keys/),
    );
    const jwksUri = 'https://app.example.com/jwks.json';
    const withKeys = validateClientDocument(
      URL_ID,
      { ...good, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri },
      scopes,
    );
    assert.equal(withKeys.tokenEndpointAuthMethod, 'private_key_jwt');
    assert.equal(withKeys.jwksUri, jwksUri);
    assert.equal(withKeys.jwks, null);
    for (const method of ['client_secret_basic', 'client_secret_post']) {
      assert.throws(
        () => validateClientDocument(URL_ID, { ...good, token_endpoint_auth_method: method }, scopes),
        refused('invalid_document', /token_endpoint_auth_method none or private_key_jwt/),
      );
    }
    assert.throws(
      () => validateClientDocument(URL_ID, { ...good, client_secret: 's' }, scopes),
      refused('invalid_document', /client_secret/),
    );
  });
  it('not an object', () => {
    for (const doc of [null, [], 'x', 3]) {
      assert.throws(() => validateClientDocument(URL_ID, doc, scopes), refused('invalid_document'));
    }
  });
});

describe('CIMD_ALLOWED_HOSTS suffix matching', () => {
  const allowed = ['example.com', '.apps.example.org'];
  it('the host itself and its subdomains; never a look-alike', () => {
    assert.equal(isAllowedPublisher('example.com', allowed), true);
    assert.equal(isAllowedPublisher('cdn.EXAMPLE.com', allowed), true);
    assert.equal(isAllowedPublisher('x.apps.example.org', allowed), true);
    assert.equal(isAllowedPublisher('badexample.com', allowed), false);
    assert.equal(isAllowedPublisher('example.com.evil.net', allowed), false);
    assert.equal(isAllowedPublisher('example.org', allowed), false);
    assert.equal(isAllowedPublisher('example.com', []), false);
  });
});
