import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { RemoteJwksCache } from '../jose/remote-jwks';
import { verifyIdJag, type IdJagExpectations } from './id-jag';

const IDP = 'https://idp.example';
const expected: IdJagExpectations = {
  trustedIssuers: [IDP],
  audience: 'https://mcp.example',
  resource: 'https://mcp.example/mcp',
  clientId: 'agent',
};

async function setup() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const keys = new RemoteJwksCache({
    fetchJson: (url) =>
      Promise.resolve(
        url.endsWith('/.well-known/openid-configuration')
          ? { issuer: IDP, jwks_uri: `${IDP}/jwks` }
          : { keys: [jwk] },
      ),
  });
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({
      iss: IDP,
      sub: 'u1',
      aud: expected.audience,
      client_id: 'agent',
      jti: 'j1',
      iat: now,
      exp: now + 300,
      resource: expected.resource,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'oauth-id-jag+jwt', ...header })
      .sign(privateKey);
  return { keys, sign, now };
}

const refused = (pattern: RegExp) => (e: unknown) =>
  (e as { error?: string }).error === 'invalid_grant' && pattern.test((e as Error).message);

describe('verifyIdJag (EXT-EMA-02..05)', () => {
  it('accepts a good one, aud as an array of one, resource with a trailing slash or absent', async () => {
    const { keys, sign } = await setup();
    const jag = await verifyIdJag(
      await sign({ email: 'A@Corp.example', email_verified: true }),
      expected,
      keys,
    );
    assert.equal(jag.subject, 'u1');
    assert.equal(jag.email, 'a@corp.example');
    assert.equal(jag.emailVerified, true);
    await verifyIdJag(await sign({ aud: [expected.audience], jti: 'j2' }), expected, keys);
    await verifyIdJag(await sign({ resource: 'https://mcp.example/mcp/' }), expected, keys);
    const bare = await verifyIdJag(await sign({ resource: undefined }), expected, keys);
    assert.equal(bare.resource, expected.resource);
  });

  it('refuses aud arrays with more than the one, unknown issuers, other clients and resources', async () => {
    const { keys, sign } = await setup();
    const bad = [
      [{ aud: [expected.audience, 'https://other.example'] }, /aud/],
      [{ aud: 'https://mcp.example/' }, /aud/],
      [{ iss: 'https://evil.example' }, /trusted/],
      [{ client_id: 'other' }, /client_id/],
      [{ resource: ['https://mcp.example/mcp', 'https://other.example/mcp'] }, /resource/],
      [{ sub: 'x'.repeat(256) }, /sub/],
    ] as const;
    for (const [claims, pattern] of bad) {
      await assert.rejects(
        verifyIdJag(await sign(claims), expected, keys),
        refused(pattern),
        JSON.stringify(claims),
      );
    }
  });

  it('refuses a long-lived one, one issued in the future, one without iat', async () => {
    const { keys, sign, now } = await setup();
    await assert.rejects(verifyIdJag(await sign({ exp: now + 7200 }), expected, keys), refused(/too long/));
    await assert.rejects(verifyIdJag(await sign({ iat: now + 600 }), expected, keys), refused(/iat/));
    await assert.rejects(verifyIdJag(await sign({ iat: undefined }), expected, keys), refused(/iat/));
  });

  it('refuses alg none, a symmetric alg, and non-JWTs', async () => {
    const { keys } = await setup();
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = part({
      iss: IDP,
      sub: 'u',
      aud: expected.audience,
      client_id: 'agent',
      jti: 'n',
      iat: 1,
      exp: 2,
    });
    await assert.rejects(
      verifyIdJag(`${part({ alg: 'none', typ: 'oauth-id-jag+jwt' })}.${claims}.`, expected, keys),
      refused(/./),
    );
    const hs = await new SignJWT({ iss: IDP, sub: 'u', aud: expected.audience, client_id: 'agent', jti: 'h' })
      .setProtectedHeader({ alg: 'HS256', typ: 'oauth-id-jag+jwt' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    await assert.rejects(verifyIdJag(hs, expected, keys), refused(/algorithm/));
    await assert.rejects(verifyIdJag('not-a-jwt', expected, keys), refused(/not a JWT/));
  });
});
