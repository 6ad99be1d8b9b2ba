// Checks EXT-CC-* (machine clients, the MCP client-credentials extension: RFC 6749 §4.4 client_credentials with a
// client secret or RFC 7523 §2.2 private_key_jwt): the SDK v2 ClientCredentialsProvider and
// PrivateKeyJwtProvider get a token and call a tool when CLIENT_CREDENTIALS_GRANT=true, and get
// unsupported_grant_type when it is off; private_key_jwt also authenticates a code exchange, refresh,
// introspection and revocation; forged, wrong-audience, expired, replayed, alg none and HS256
// assertions are invalid_client; a person-only tool refuses a client caller; the admin API refuses a
// token that names no person.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  Client,
  ClientCredentialsProvider,
  PrivateKeyJwtProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { digest } from '../../libs/oauth/src/common/secrets';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession } from '../support/http-session';
import {
  authorizeInBrowser,
  obtainTokens,
  readJson,
  registerClient,
  tokenRequest,
  type Json,
} from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface KeyPair {
  privateKey: PrivateKey;
  pkcs8: string;
  jwk: JWK;
}

async function keyPair(kid: string): Promise<KeyPair> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return {
    privateKey: pair.privateKey,
    pkcs8: await exportPKCS8(pair.privateKey),
    jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

/** Signs a client assertion for `clientId` (RFC 7523 §3), overridable claim by claim. */
function assertion(t: TestApp, clientId: string, key: PrivateKey, extra: JWTPayload = {}, alg = 'ES256') {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: clientId,
    sub: clientId,
    aud: t.config.issuer,
    iat: now,
    exp: now + 120,
    jti: randomUUID(),
    ...extra,
  };
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}

function unsecured(claims: JWTPayload): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

async function connect(
  t: TestApp,
  provider: ClientCredentialsProvider | PrivateKeyJwtProvider,
): Promise<Client> {
  const client = new Client({ name: 'machine-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { authProvider: provider }),
  );
  return client;
}

/** An administrator's bearer token for the admin API (RFC 8707 resource, `admin` scope). */
async function adminToken(t: TestApp): Promise<string> {
  const session = new HttpSession(t.url);
  await signInWithDevLogin(session, { email: 'ops@example.com' });
  await t.dataSource.query(`UPDATE users SET email_verified = true WHERE email = 'ops@example.com'`);
  const ops = await obtainTokens(t.url, {
    email: 'ops@example.com',
    session,
    scope: 'admin',
    resource: t.config.adminResource,
  });
  return ops.tokens.access_token;
}

async function registerMachine(
  t: TestApp,
  admin: string,
  metadata: Record<string, unknown>,
): Promise<Response> {
  return fetch(`${t.url}/api/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Nightly report job',
      grant_types: ['client_credentials'],
      ...metadata,
    }),
  });
}

describe('machine clients with CLIENT_CREDENTIALS_GRANT=true', () => {
  let t: TestApp;
  let admin: string;
  let secretClient: Json;
  let jwtClient: Json;
  let key: KeyPair;
  const open: Client[] = [];

  before(async () => {
    t = await startTestApp({ env: { CLIENT_CREDENTIALS_GRANT: 'true', ADMIN_EMAILS: 'ops@example.com' } });
    admin = await adminToken(t);
    key = await keyPair('job-key-1');
    const secretRes = await registerMachine(t, admin, {
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'profile:read notes:read',
    });
    secretClient = await readJson(secretRes);
    assert.equal(secretRes.status, 201, JSON.stringify(secretClient));
    const jwtRes = await registerMachine(t, admin, {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.jwk] },
      scope: 'profile:read',
    });
    jwtClient = await readJson(jwtRes);
    assert.equal(jwtRes.status, 201, JSON.stringify(jwtClient));
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => undefined);
    await t?.close();
  });

  it('registers machine clients through the admin API only, and advertises the grant and private_key_jwt', async () => {
    assert.deepEqual(secretClient.grant_types, ['client_credentials']);
    assert.deepEqual(secretClient.response_types, []);
    assert.deepEqual(secretClient.redirect_uris, []);
    assert.match(secretClient.client_secret, /./);
    assert.equal(secretClient.registration_access_token, undefined);
    assert.equal(jwtClient.client_secret, undefined, 'private_key_jwt clients get no secret');
    assert.deepEqual(jwtClient.jwks, { keys: [key.jwk] });
    const rows = await t.dataSource.query<{ created_via: string }[]>(
      `SELECT created_via FROM oauth_clients WHERE client_id = ANY($1)`,
      [[secretClient.client_id, jwtClient.client_id]],
    );
    assert.deepEqual(
      rows.map((r) => r.created_via),
      ['admin', 'admin'],
    );
    // The draft has machine clients registered out of band: self-registration may not ask for the grant.
    const dcr = await fetch(`${t.url}/api/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'x',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    });
    assert.equal(dcr.status, 400);
    assert.equal((await readJson(dcr)).error, 'invalid_client_metadata');
    const metadata = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    assert.ok(metadata.grant_types_supported.includes('client_credentials'));
    assert.ok(metadata.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
    assert.ok(metadata.token_endpoint_auth_signing_alg_values_supported.includes('ES256'));
    assert.ok(
      !metadata.token_endpoint_auth_signing_alg_values_supported.some(
        (a: string) => a === 'none' || a.startsWith('HS'),
      ),
    );
  });

  it('SDK ClientCredentialsProvider (client_secret_basic): token, then tools/call as a client', async () => {
    const provider = new ClientCredentialsProvider({
      clientId: secretClient.client_id,
      clientSecret: secretClient.client_secret,
      expectedIssuer: t.config.issuer,
      scope: 'profile:read notes:read',
    });
    const client = await connect(t, provider);
    open.push(client);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    assert.equal(result.isError, undefined, JSON.stringify(result));
    assert.deepEqual(result.structuredContent, {
      caller: 'client',
      user: null,
      client: { id: secretClient.client_id },
      scopes: ['notes:read', 'profile:read'],
    });
    const tokens = provider.tokens()!;
    assert.equal(tokens.refresh_token, undefined, 'RFC 6749 §4.4.3: no refresh token');
    // The grant and its token name no person (client-only grant).
    const [grant] = await t.dataSource.query<
      { user_id: string | null; resource: string; covered: string[] | null }[]
    >(
      `SELECT g.user_id, g.resource, (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(g.covered_tools) k) AS covered
         FROM oauth_access_tokens a JOIN oauth_grants g ON g.id = a.grant_id WHERE a.token_hash = $1`,
      [digest(tokens.access_token)],
    );
    // EXT-RC-01: the administrator's registration is the approval; the grant records what its scopes reach.
    assert.deepEqual(grant, {
      user_id: null,
      resource: `${t.url}/mcp`,
      covered: ['notes:read', 'profile:read'],
    });
  });

  it('a person-only tool (notes_list) refuses a client caller with a tool error, and tools/list hides it', async () => {
    const client = open[0];
    const listed = await client.listTools();
    assert.deepEqual(
      listed.tools.map((tool) => tool.name),
      ['whoami'],
    );
    const result = await client.callTool({ name: 'notes_list', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /person's own data.*client_credentials/);
  });

  it('SDK PrivateKeyJwtProvider: assertion with aud = issuer, token, then tools/call', async () => {
    const provider = new PrivateKeyJwtProvider({
      clientId: jwtClient.client_id,
      privateKey: key.pkcs8,
      algorithm: 'ES256',
      expectedIssuer: t.config.issuer,
      scope: 'profile:read',
    });
    const client = await connect(t, provider);
    open.push(client);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    assert.deepEqual((result.structuredContent as Json).client, { id: jwtClient.client_id });
    assert.equal((result.structuredContent as Json).caller, 'client');
    const used = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM oauth_jwt_ids WHERE issuer = $1`,
      [jwtClient.client_id],
    );
    assert.equal(used[0].n, 1, 'the assertion jti is recorded once');
  });

  it('scope: the request is narrowed to the registered scope; outside it only → invalid_scope', async () => {
    const basic = { clientId: secretClient.client_id, clientSecret: secretClient.client_secret };
    const narrowed = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', scope: 'notes:read notes:write' },
      basic,
    );
    assert.equal(narrowed.status, 200);
    assert.equal((await readJson(narrowed)).scope, 'notes:read');
    const outside = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', scope: 'notes:write admin' },
      basic,
    );
    assert.equal(outside.status, 400);
    assert.equal((await readJson(outside)).error, 'invalid_scope');
    const adminApi = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', resource: t.config.adminResource },
      basic,
    );
    assert.equal(adminApi.status, 400);
    assert.equal((await readJson(adminApi)).error, 'invalid_target');
  });

  it('every bad assertion is invalid_client (401, no-store): forged, wrong aud, expired, replayed, alg none, HS256', async () => {
    const id = jwtClient.client_id as string;
    const other = await keyPair('job-key-1');
    const replayed = await assertion(t, id, key.privateKey);
    const first = await tokenRequest(t.url, {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: replayed,
    });
    assert.equal(first.status, 200);
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      ['forged signature', await assertion(t, id, other.privateKey)],
      ['wrong aud', await assertion(t, id, key.privateKey, { aud: 'https://elsewhere.example.com' })],
      ['expired', await assertion(t, id, key.privateKey, { exp: now - 300, iat: now - 400 })],
      ['replayed jti', replayed],
      ['alg none', unsecured({ iss: id, sub: id, aud: t.config.issuer, exp: now + 60, jti: randomUUID() })],
      [
        'HS256',
        await new SignJWT({ iss: id, sub: id, aud: t.config.issuer, exp: now + 60, jti: randomUUID() })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode(JSON.stringify(key.jwk))),
      ],
    ];
    for (const [label, jwt] of cases) {
      const res = await tokenRequest(t.url, {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: jwt,
      });
      assert.equal(res.status, 401, label);
      assert.equal(res.headers.get('cache-control'), 'no-store', label);
      assert.equal(res.headers.get('www-authenticate'), null, `${label}: no Authorization header was used`);
      assert.equal((await readJson(res)).error, 'invalid_client', label);
    }
    // Nothing half-written: only the one accepted assertion issued a grant.
    const grants = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM oauth_grants WHERE client_id = $1`,
      [id],
    );
    assert.equal(grants[0].n, 2, 'the SDK run and the one accepted assertion');
  });

  it('the secret client cannot use an assertion, nor the key client a secret or its bare client_id', async () => {
    const res = await tokenRequest(t.url, {
      grant_type: 'client_credentials',
      client_id: jwtClient.client_id,
    });
    assert.equal(res.status, 401);
    assert.match((await readJson(res)).error_description, /private_key_jwt/);
    const wrongMethod = await tokenRequest(t.url, {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: await assertion(t, secretClient.client_id, key.privateKey),
    });
    assert.equal(wrongMethod.status, 401);
    assert.equal((await readJson(wrongMethod)).error, 'invalid_client');
  });

  it('private_key_jwt with authorization_code: code exchange, refresh, introspection and revocation', async () => {
    const pkKey = await keyPair('app-key');
    const app = await registerClient(t.url, {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [pkKey.jwk] },
      grant_types: ['authorization_code', 'refresh_token'],
    });
    assert.equal(app.client_secret, undefined);
    const auth = await authorizeInBrowser(t.url, {
      email: 'carol@example.com',
      client: app,
      scope: 'notes:read',
    });
    assert.ok(auth.code);
    const signed = () => assertion(t, app.client_id, pkKey.privateKey, { aud: `${t.url}/api/oauth/token` });
    const exchange = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: auth.code,
      code_verifier: auth.verifier,
      redirect_uri: app.redirect_uris[0],
      client_assertion_type: JWT_BEARER,
      client_assertion: await signed(),
    });
    const tokens = await readJson(exchange);
    assert.equal(exchange.status, 200, JSON.stringify(tokens));
    assert.ok(tokens.refresh_token);
    const refreshed = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_assertion_type: JWT_BEARER,
      client_assertion: await signed(),
    });
    assert.equal(refreshed.status, 200);
    const fresh = await readJson(refreshed);
    const form = async (path: string, params: Record<string, string>) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          ...params,
          client_assertion_type: JWT_BEARER,
          client_assertion: await signed(),
        }),
      });
    const introspected = await readJson(await form('/api/oauth/introspect', { token: fresh.access_token }));
    assert.equal(introspected.active, true);
    assert.equal(introspected.client_id, app.client_id);
    const revoked = await form('/api/oauth/revoke', { token: fresh.refresh_token });
    assert.equal(revoked.status, 200);
    const after = await readJson(await form('/api/oauth/introspect', { token: fresh.access_token }));
    assert.equal(after.active, false);
  });

  it('introspection of a client token names the client as sub (RFC 7662 §2.2)', async () => {
    const basic = { clientId: secretClient.client_id, clientSecret: secretClient.client_secret };
    const token = (await readJson(await tokenRequest(t.url, { grant_type: 'client_credentials' }, basic)))
      .access_token;
    const res = await fetch(`${t.url}/api/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${basic.clientId}:${basic.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    const body = await readJson(res);
    assert.equal(body.active, true);
    assert.equal(body.sub, secretClient.client_id);
  });

  it('the admin API refuses a token that names no person, even one carrying `admin` for its resource', async () => {
    const basic = { clientId: secretClient.client_id, clientSecret: secretClient.client_secret };
    const mcpToken = (await readJson(await tokenRequest(t.url, { grant_type: 'client_credentials' }, basic)))
      .access_token;
    const wrongAudience = await fetch(`${t.url}/api/admin/clients`, {
      headers: { authorization: `Bearer ${mcpToken}` },
    });
    assert.equal(wrongAudience.status, 401);
    // No request can obtain a client-only admin token; one planted in the database is still refused.
    const [{ grant_id }] = await t.dataSource.query<{ grant_id: string }[]>(
      `SELECT grant_id FROM oauth_access_tokens WHERE token_hash = $1`,
      [digest(mcpToken)],
    );
    const planted = `mcp_at_${'A'.repeat(43)}`;
    await t.dataSource.query(
      `INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
       VALUES ($1, $2, $3, $4, NULL, '{admin}', $5, now() + interval '5 minutes')`,
      [randomUUID(), digest(planted), grant_id, secretClient.client_id, t.config.adminResource],
    );
    const res = await fetch(`${t.url}/api/admin/clients`, {
      headers: { authorization: `Bearer ${planted}` },
    });
    assert.equal(res.status, 403);
    assert.equal((await readJson(res)).error, 'forbidden');
  });
});

describe('machine clients with CLIENT_CREDENTIALS_GRANT off (the default)', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp({ env: { ADMIN_EMAILS: 'ops@example.com' } });
  });
  after(async () => {
    await t?.close();
  });

  it('unsupported_grant_type for both SDK providers, nothing advertised, nothing registrable', async () => {
    const admin = await adminToken(t);
    const refused = await registerMachine(t, admin, { token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(refused.status, 400);
    assert.equal((await readJson(refused)).error, 'invalid_client_metadata');
    // An administrator's confidential client exists anyway (e.g. registered while the grant was on).
    const key = await keyPair('k');
    const secretRes = await registerMachine(t, admin, {
      grant_types: ['authorization_code'],
      redirect_uris: ['https://app.example.com/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const secretClient = await readJson(secretRes);
    const jwtClient = await readJson(
      await registerMachine(t, admin, {
        grant_types: ['authorization_code'],
        redirect_uris: ['https://app.example.com/cb'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.jwk] },
      }),
    );
    const providers = [
      new ClientCredentialsProvider({
        clientId: secretClient.client_id,
        clientSecret: secretClient.client_secret,
        expectedIssuer: t.config.issuer,
      }),
      new PrivateKeyJwtProvider({
        clientId: jwtClient.client_id,
        privateKey: key.pkcs8,
        algorithm: 'ES256',
        expectedIssuer: t.config.issuer,
      }),
    ];
    for (const provider of providers) {
      await assert.rejects(connect(t, provider), (error: Error) =>
        /unsupported_grant_type|not supported/.test(
          `${String((error as { code?: string }).code)} ${error.message}`,
        ),
      );
    }
    const raw = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials' },
      { clientId: secretClient.client_id, clientSecret: secretClient.client_secret },
    );
    assert.equal(raw.status, 400);
    assert.equal((await readJson(raw)).error, 'unsupported_grant_type');
    const metadata = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'refresh_token']);
  });
});
