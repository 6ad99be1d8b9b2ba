import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { JsonFetchError } from './json-fetch';
import { JwksUnavailableError, metadataUrls, RemoteJwksCache } from './remote-jwks';

const ISSUER = 'https://idp.example/tenant';

async function signer(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const sign = () =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(ISSUER).sign(privateKey);
  return { jwk, sign };
}

function fakeIdp(keys: () => JWK[], metadata: Record<string, unknown> = {}) {
  const calls: string[] = [];
  const fetchJson = (url: string): Promise<unknown> => {
    calls.push(url);
    if (url === `${ISSUER}/.well-known/openid-configuration`) {
      return Promise.resolve({ issuer: ISSUER, jwks_uri: 'https://idp.example/keys', ...metadata });
    }
    if (url === 'https://idp.example/keys') return Promise.resolve({ keys: keys() });
    return Promise.reject(new JsonFetchError('http_status', `${url} answered HTTP 404`));
  };
  return { calls, fetchJson };
}

describe('RemoteJwksCache', () => {
  it('finds the key set through the issuer metadata and caches it', async () => {
    const a = await signer('a');
    const idp = fakeIdp(() => [a.jwk]);
    const cache = new RemoteJwksCache({ fetchJson: idp.fetchJson });
    for (let i = 0; i < 3; i++) await jwtVerify(await a.sign(), cache.keyResolver({ issuer: ISSUER }));
    assert.equal(idp.calls.length, 2, 'metadata and key set fetched once');
  });

  it('fetches again for an unknown kid (rotation), but at most once per cooldown', async () => {
    const a = await signer('a');
    const b = await signer('b');
    const c = await signer('c');
    let keys = [a.jwk];
    let now = 0;
    const idp = fakeIdp(() => keys);
    const cache = new RemoteJwksCache({ fetchJson: idp.fetchJson, cooldownMs: 30_000, now: () => now });
    const resolver = cache.keyResolver({ issuer: ISSUER });
    await jwtVerify(await a.sign(), resolver);
    keys = [a.jwk, b.jwk];
    now = 1000;
    // The first unknown kid: one fresh fetch finds the rotated-in key.
    await jwtVerify(await b.sign(), resolver);
    assert.equal(idp.calls.length, 4);
    // Another unknown kid within the cooldown: no fetch, refused.
    keys = [a.jwk, b.jwk, c.jwk];
    now = 20_000;
    await assert.rejects(jwtVerify(await c.sign(), resolver), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    assert.equal(idp.calls.length, 4);
    now = 31_001;
    await jwtVerify(await c.sign(), resolver);
    assert.equal(idp.calls.length, 6);
  });

  it('refetches after maxAge and keeps the last good set when that fails', async () => {
    const a = await signer('a');
    let now = 0;
    let down = false;
    const idp = fakeIdp(() => [a.jwk]);
    const cache = new RemoteJwksCache({
      fetchJson: (url) => (down ? Promise.reject(new JsonFetchError('timeout', 'slow')) : idp.fetchJson(url)),
      maxAgeMs: 60_000,
      now: () => now,
    });
    const resolver = cache.keyResolver({ issuer: ISSUER });
    await jwtVerify(await a.sign(), resolver);
    down = true;
    now = 120_000;
    await jwtVerify(await a.sign(), resolver);
  });

  it('refuses metadata that names another issuer, and says so when nothing can be fetched', async () => {
    const a = await signer('a');
    const wrong = fakeIdp(() => [a.jwk], { issuer: 'https://evil.example' });
    await assert.rejects(
      jwtVerify(
        await a.sign(),
        new RemoteJwksCache({ fetchJson: wrong.fetchJson }).keyResolver({ issuer: ISSUER }),
      ),
      (e) => e instanceof JwksUnavailableError && /another issuer/.test(e.message),
    );
    const none = new RemoteJwksCache({
      fetchJson: () => Promise.reject(new JsonFetchError('network', 'down')),
    });
    await assert.rejects(
      jwtVerify(await a.sign(), none.keyResolver({ issuer: ISSUER })),
      JwksUnavailableError,
    );
  });

  it('takes a jwks_uri directly, and shares one fetch between concurrent verifications', async () => {
    const a = await signer('a');
    const idp = fakeIdp(() => [a.jwk]);
    const cache = new RemoteJwksCache({ fetchJson: idp.fetchJson });
    const resolver = cache.keyResolver({ jwksUri: 'https://idp.example/keys' });
    const token = await a.sign();
    await Promise.all([jwtVerify(token, resolver), jwtVerify(token, resolver), jwtVerify(token, resolver)]);
    assert.deepEqual(idp.calls, ['https://idp.example/keys']);
  });

  it('builds the OpenID and RFC 8414 metadata URLs of an issuer', () => {
    assert.deepEqual(metadataUrls('https://idp.example/tenant'), [
      'https://idp.example/tenant/.well-known/openid-configuration',
      'https://idp.example/.well-known/oauth-authorization-server/tenant',
    ]);
    assert.deepEqual(metadataUrls('https://idp.example'), [
      'https://idp.example/.well-known/openid-configuration',
      'https://idp.example/.well-known/oauth-authorization-server',
    ]);
  });
});
