// Checks SEC-04 for private_key_jwt keys (RFC 7523 §2.2, RFC 7591 §2 jwks_uri): a client's jwks_uri is
// fetched across the metadata-document address rules (internal addresses refused before any connection,
// no redirects, size cap, public keys only), kept for its Cache-Control lifetime, and a URL client whose
// metadata document names private_key_jwt and a jwks_uri authenticates with an assertion — on real
// PostgreSQL (jti single use) against a real local key publisher.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { AppConfig } from '@app/config';
import { ClientAuthenticator } from '../../libs/oauth/src/clients/client-authenticator';
import { ClientAssertionError } from '../../libs/oauth/src/clients/client-assertion';
import { ClientKeySource } from '../../libs/oauth/src/clients/client-key-source';
import { InvalidClientError } from '../../libs/oauth/src/common/oauth-errors';
import { paramReader } from '../../libs/oauth/src/common/params';
import type { OAuthClientEntity } from '../../libs/oauth/src/entities/oauth-client.entity';
import { startTestApp, type TestApp } from '../support/app';
import { startDocumentServer, type DocumentServer } from '../support/cimd-document-server';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('jwks_uri of private_key_jwt clients (SEC-04)', () => {
  let t: TestApp;
  let docs: DocumentServer;
  let key: PrivateKey;
  let jwk: JWK;
  let authenticator: ClientAuthenticator;

  const sign = (clientId: string, kid = 'k1') => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: clientId,
      sub: clientId,
      aud: t.config.issuer,
      exp: now + 60,
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'ES256', kid })
      .sign(key);
  };
  const authenticate = async (clientId: string, kid?: string) =>
    authenticator.authenticate(
      { authorization: undefined, ip: '127.0.0.1' },
      paramReader({ client_assertion_type: JWT_BEARER, client_assertion: await sign(clientId, kid) }),
    );
  /** A registered private_key_jwt client whose keys are at `jwksUri` (written as registration would). */
  const clientAt = async (jwksUri: string): Promise<string> => {
    const clientId = `mcpc_${randomUUID().slice(0, 12)}`;
    await t.dataSource.query(
      `INSERT INTO oauth_clients (client_id, token_endpoint_auth_method, redirect_uris, grant_types, response_types, jwks_uri, created_via)
       VALUES ($1, 'private_key_jwt', '{}', '{client_credentials}', '{}', $2, 'admin')`,
      [clientId, jwksUri],
    );
    return clientId;
  };

  before(async () => {
    docs = await startDocumentServer();
    t = await startTestApp({
      env: { CIMD_ALLOW_INSECURE_LOCALHOST: 'true', CLIENT_CREDENTIALS_GRANT: 'true' },
    });
    authenticator = t.app.get(ClientAuthenticator);
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', use: 'sig' };
    docs.json('/jwks.json', { keys: [jwk] }, { 'cache-control': 'max-age=600' });
    docs.route('/moved.json', (_req, res) => res.writeHead(302, { location: docs.url('/jwks.json') }).end());
    docs.json('/private.json', { keys: [{ ...jwk, d: 'c2VjcmV0' }] });
    docs.json('/huge.json', { keys: [jwk], padding: 'x'.repeat(40_000) });
  });
  after(async () => {
    await t?.close();
    await docs?.close();
  });

  it('fetches the key set once, then serves assertions from the cache; each jti is used once', async () => {
    const clientId = await clientAt(docs.url('/jwks.json'));
    const client = await authenticate(clientId);
    assert.equal(client.clientId, clientId);
    await authenticate(clientId);
    assert.equal(docs.hits('/jwks.json'), 1);
    const rows = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM oauth_jwt_ids WHERE issuer = $1`,
      [clientId],
    );
    assert.equal(rows[0].n, 2);
  });

  it('an assertion whose kid the fresh set lacks is invalid_client without another fetch', async () => {
    const clientId = await clientAt(docs.url('/jwks.json'));
    const hits = docs.hits('/jwks.json');
    await assert.rejects(authenticate(clientId, 'unknown-kid'), InvalidClientError);
    assert.equal(
      docs.hits('/jwks.json'),
      hits,
      'the set fetched less than a minute ago is not fetched again',
    );
  });

  it('redirects, oversized sets and sets with private keys are refused (invalid_client)', async () => {
    for (const path of ['/moved.json', '/huge.json', '/private.json']) {
      const clientId = await clientAt(docs.url(path));
      await assert.rejects(authenticate(clientId), (e: unknown) => e instanceof InvalidClientError, path);
    }
    assert.equal(docs.hits('/jwks.json'), 1, 'the redirect was not followed');
  });

  it('internal addresses are refused before connecting when loopback is not allowed', async () => {
    const source = new ClientKeySource({ cimd: { allowInsecureLocalhost: false } } as unknown as AppConfig);
    const connections = docs.connections;
    const https = docs.url('/jwks.json').replace('http:', 'https:');
    for (const jwksUri of [
      https,
      'https://169.254.169.254/keys',
      'https://[::1]/keys',
      'http://example.com/keys',
    ]) {
      await assert.rejects(
        source.keysOf({ clientId: 'c', jwks: null, jwksUri } as OAuthClientEntity),
        (e: unknown) => e instanceof ClientAssertionError && /could not be retrieved/.test(e.description),
        jwksUri,
      );
    }
    assert.equal(docs.connections, connections);
  });

  it('a URL client whose metadata document names private_key_jwt and a jwks_uri authenticates with an assertion', async () => {
    const url = docs.url('/machine-client.json');
    docs.json('/machine-client.json', {
      client_id: url,
      client_name: 'Keyed URL client',
      redirect_uris: ['http://127.0.0.1:7777/callback'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: docs.url('/jwks.json'),
    });
    const client = await authenticate(url);
    assert.equal(client.createdVia, 'cimd');
    assert.equal(client.tokenEndpointAuthMethod, 'private_key_jwt');
    // Its bare client_id (method none) is no longer enough.
    await assert.rejects(
      authenticator.authenticate(
        { authorization: undefined, ip: '127.0.0.1' },
        paramReader({ client_id: url }),
      ),
      (e: unknown) => e instanceof InvalidClientError && /private_key_jwt/.test(e.description),
    );
  });
});
