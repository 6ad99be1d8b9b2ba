import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';
import {
  assertedClientId,
  ClientAssertionError,
  MAX_ASSERTION_LIFETIME_SECONDS,
  verifyClientAssertion,
} from './client-assertion';
import { jwksProblem } from './client-keys';

const ISSUER = 'https://as.example.com';
const TOKEN_ENDPOINT = `${ISSUER}/api/oauth/token`;
const CLIENT = 'mcpc_machine';
const expected = { clientId: CLIENT, audiences: [ISSUER, TOKEN_ENDPOINT] };
const now = () => Math.floor(Date.now() / 1000);

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An unsigned (alg none) JWT, which jose will not produce. */
function unsecured(claims: JWTPayload): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('client assertions (RFC 7523 §2.2, §3)', () => {
  let key: Key;
  let otherKey: Key;
  let keys: JSONWebKeySet;
  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: CLIENT,
    sub: CLIENT,
    aud: ISSUER,
    exp: now() + 300,
    iat: now(),
    jti: `j-${Math.random()}`,
    ...extra,
  });
  const sign = (payload: JWTPayload, with_: Key = key, alg = 'ES256') =>
    new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(with_);
  const refusedWith = (pattern: RegExp) => (e: unknown) =>
    e instanceof ClientAssertionError && pattern.test(`${e.description} | ${e.detail}`);

  before(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', use: 'sig' }] };
  });

  it('accepts iss = sub = client_id, aud = the issuer or the token endpoint, exp and jti', async () => {
    for (const aud of [ISSUER, TOKEN_ENDPOINT, [ISSUER]]) {
      const jti = `j-${aud.toString()}`;
      const verified = await verifyClientAssertion(await sign(claims({ aud, jti })), keys, expected);
      assert.equal(verified.jti, jti);
      assert.ok(verified.expiresAt.getTime() > Date.now());
    }
    assert.equal(assertedClientId(await sign(claims())), CLIENT);
  });

  it('refuses a forged signature (another key)', async () => {
    await assert.rejects(
      verifyClientAssertion(await sign(claims(), otherKey), keys, expected),
      refusedWith(/bad signature/),
    );
  });

  it('refuses another audience, and several audiences', async () => {
    await assert.rejects(
      verifyClientAssertion(await sign(claims({ aud: 'https://other.example.com' })), keys, expected),
      refusedWith(/wrong aud/),
    );
    await assert.rejects(
      verifyClientAssertion(
        await sign(claims({ aud: [ISSUER, 'https://other.example.com'] })),
        keys,
        expected,
      ),
      refusedWith(/several audiences/),
    );
  });

  it('refuses an expired assertion, one without exp or jti, and one that expires too late', async () => {
    await assert.rejects(
      verifyClientAssertion(await sign(claims({ exp: now() - 120 })), keys, expected),
      refusedWith(/expired/),
    );
    await assert.rejects(
      verifyClientAssertion(await sign(claims({ exp: undefined })), keys, expected),
      refusedWith(/exp/),
    );
    await assert.rejects(
      verifyClientAssertion(await sign(claims({ jti: undefined })), keys, expected),
      refusedWith(/jti/),
    );
    await assert.rejects(
      verifyClientAssertion(
        await sign(claims({ exp: now() + MAX_ASSERTION_LIFETIME_SECONDS + 3600 })),
        keys,
        expected,
      ),
      refusedWith(/exp too far/),
    );
  });

  it('refuses alg none and HS256 (a public key is never an HMAC secret)', async () => {
    await assert.rejects(
      verifyClientAssertion(unsecured(claims()), keys, expected),
      refusedWith(/algorithm/),
    );
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(JSON.stringify(keys.keys[0])));
    await assert.rejects(verifyClientAssertion(hs, keys, expected), refusedWith(/algorithm/));
  });

  it('refuses iss other than sub, and another client as iss and sub', async () => {
    assert.throws(() => assertedClientId(unsecured(claims({ iss: 'someone-else' }))), refusedWith(/iss/));
    assert.throws(() => assertedClientId('not-a-jwt'), refusedWith(/not a JWT/));
    await assert.rejects(
      verifyClientAssertion(await sign(claims({ iss: 'mcpc_other', sub: 'mcpc_other' })), keys, expected),
      ClientAssertionError,
    );
  });

  it('key sets hold public signature keys only', () => {
    assert.equal(jwksProblem(keys), null);
    assert.match(jwksProblem({ keys: [{ ...keys.keys[0], d: 'secret' }] })!, /public keys only/);
    assert.match(jwksProblem({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })!, /RSA, EC or OKP/);
    assert.match(jwksProblem({ keys: [] })!, /non-empty/);
    assert.match(jwksProblem([])!, /JSON object/);
  });
});
