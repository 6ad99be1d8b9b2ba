// Checks EXT-EMA-01..08 (MCP Enterprise-Managed Authorization, ID-JAG): the SDK v2 CrossAppAccessProvider
// goes IdP ID token → ID-JAG (RFC 8693 at a fake company IdP) → our access token (RFC 7523 jwt-bearer)
// → tools/call on /mcp; each bad ID-JAG gets its exact OAuth error with nothing written; the grant
// names its IdP on the Connected apps and admin pages, is audited, and revoking it works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client,
  CrossAppAccessProvider,
  discoverAndRequestJwtAuthGrant,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { ClientAdministration } from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  startFakeEnterpriseIdp,
  type FakeEnterpriseIdp,
} from '../support/fake-providers/fake-enterprise-idp';
import { startFakeOidcProvider, type FakeOidcProvider } from '../support/fake-providers/fake-oidc';
import { HttpSession, parseForms } from '../support/http-session';
import { postMcp } from '../support/mcp-client';
import { readJson, registerClient, tokenRequest, type RegisteredClient } from '../support/oauth-flow';
import { signInWithProvider } from '../support/sign-in';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const toolsList = { method: 'tools/list', params: {} };
const WRITTEN_TABLES = [
  'oauth_grants',
  'oauth_access_tokens',
  'oauth_refresh_tokens',
  'oauth_jwt_ids',
  'users',
  'user_identities',
];

describe('enterprise-managed authorization: identity assertion grants (ID-JAG)', () => {
  let idp: FakeEnterpriseIdp;
  let sso: FakeOidcProvider;
  let t: TestApp;
  let client: RegisteredClient;
  const alice = { sub: 'idp-alice', email: 'alice@corp.example', email_verified: true, name: 'Alice Corp' };

  before(async () => {
    idp = await startFakeEnterpriseIdp();
    sso = await startFakeOidcProvider();
    t = await startTestApp({
      env: { ...sso.oidcEnv(), ENTERPRISE_IDP_ISSUERS: idp.url, ADMIN_EMAILS: 'alice@corp.example' },
    });
    client = await registerClient(t.url, {
      client_name: 'Corp Agent',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
    });
    idp.clientIdAtResourceServer = client.client_id;
  });
  after(async () => {
    await t?.close();
    await idp?.stop();
    await sso?.server.stop();
  });

  const basic = () => ({ clientId: client.client_id, clientSecret: client.client_secret! });
  const claimsFor = (user: typeof alice, extra: Record<string, unknown> = {}) => ({
    sub: user.sub,
    email: user.email,
    email_verified: user.email_verified,
    name: user.name,
    aud: t.url,
    resource: `${t.url}/mcp`,
    scope: 'profile:read notes:read',
    ...extra,
  });
  const present = (assertion: string, extra: Record<string, string> = {}, auth = basic()) =>
    tokenRequest(t.url, { grant_type: JWT_BEARER, assertion, ...extra }, auth);
  const counts = async () =>
    Object.fromEntries(
      await Promise.all(
        WRITTEN_TABLES.map(async (table) => [
          table,
          (await t.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`))[0].n,
        ]),
      ),
    ) as Record<string, number>;

  it('advertises the grant type and the ID-JAG profile (EXT-EMA-01)', async () => {
    const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
    const m = await readJson(res);
    assert.ok((m.grant_types_supported as string[]).includes(JWT_BEARER));
    assert.deepEqual(m.authorization_grant_profiles_supported, [
      'urn:ietf:params:oauth:grant-profile:id-jag',
    ]);
  });

  it('SDK v2 CrossAppAccessProvider: ID token → ID-JAG → access token → tools/call', async () => {
    const idToken = await idp.idToken(alice);
    const provider = new CrossAppAccessProvider({
      assertion: async (ctx) =>
        (
          await discoverAndRequestJwtAuthGrant({
            idpUrl: idp.url,
            audience: ctx.authorizationServerUrl,
            resource: ctx.resourceUrl,
            idToken,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            scope: ctx.scope,
            fetchFn: ctx.fetchFn,
          })
        ).jwtAuthGrant,
      clientId: client.client_id,
      clientSecret: client.client_secret!,
      expectedIssuer: t.url,
    });
    const mcp = new Client(
      { name: 'corp-agent', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { authProvider: provider }));
    try {
      const result = await mcp.callTool({ name: 'whoami', arguments: {} });
      assert.equal(result.isError, undefined, JSON.stringify(result));
      assert.match(JSON.stringify(result.content), /Alice Corp/);
    } finally {
      await mcp.close();
    }
    // The IdP saw a token exchange for our issuer and our MCP resource (extension §4).
    const exchange = idp.exchanges.at(-1)!;
    assert.equal(exchange.get('audience'), t.url);
    assert.equal(exchange.get('resource'), `${t.url}/mcp`);
    // No refresh token (EXT-EMA-07); the token is bound to the resource (EXT-EMA-06).
    const tokens = provider.tokens()!;
    assert.equal(tokens.refresh_token, undefined);
    const [grant] = await t.dataSource.query<
      {
        granted_by_issuer: string;
        resource: string;
        scopes: string[];
        covered_tools: Record<string, { tools: Record<string, string> }> | null;
      }[]
    >(`SELECT granted_by_issuer, resource, scopes, covered_tools FROM oauth_grants WHERE client_id = $1`, [
      client.client_id,
    ]);
    assert.equal(grant.granted_by_issuer, idp.url);
    assert.equal(grant.resource, `${t.url}/mcp`);
    // EXT-RC-01: the IdP's decision approves the tools its scopes reach now (no consent page to re-ask).
    assert.ok(grant.covered_tools, 'the ID-JAG grant records the tools it covers');
    for (const scope of grant.scopes) assert.ok(grant.covered_tools[scope], `covered_tools has ${scope}`);
  });

  it('issues the intersection of requested and granted scopes, no refresh token, no-store', async () => {
    const jag = await idp.mintIdJag(claimsFor(alice, { scope: 'profile:read notes:read' }));
    const res = await present(jag, { scope: 'notes:read notes:write', resource: `${t.url}/mcp` });
    const body = await readJson(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(body.scope, 'notes:read');
    assert.equal(body.refresh_token, undefined);
    assert.equal((await postMcp(t.url, body.access_token as string, toolsList)).status, 200);
    const [token] = await t.dataSource.query<{ audience: string }[]>(
      `SELECT audience FROM oauth_access_tokens ORDER BY created_at DESC LIMIT 1`,
    );
    assert.equal(token.audience, `${t.url}/mcp`);
  });

  // Before the forgeries below: an unknown kid refetches at most once per 30 s cooldown.
  it('picks up a rotated IdP key (unknown kid → the JWKS is fetched again)', async () => {
    const fetches = idp.jwksFetches;
    await idp.rotateKey();
    const res = await present(await idp.mintIdJag(claimsFor(alice)));
    assert.equal(res.status, 200, JSON.stringify(await readJson(res)));
    assert.equal(idp.jwksFetches, fetches + 1);
  });

  const refusals: [string, () => Promise<string>, string, Record<string, string>?][] = [
    [
      'forged (a key the IdP does not publish)',
      () => idp.mintIdJag(claimsFor(alice), { foreignKey: true }),
      'invalid_grant',
    ],
    ['not typed as an ID-JAG', () => idp.mintIdJag(claimsFor(alice), { typ: 'JWT' }), 'invalid_grant'],
    [
      'expired',
      () =>
        idp.mintIdJag(
          claimsFor(alice, {
            iat: Math.floor(Date.now() / 1000) - 900,
            exp: Math.floor(Date.now() / 1000) - 600,
          }),
        ),
      'invalid_grant',
    ],
    [
      'for another authorization server (aud)',
      () => idp.mintIdJag(claimsFor(alice, { aud: 'https://other-as.example' })),
      'invalid_grant',
    ],
    [
      'for another MCP server (resource)',
      () => idp.mintIdJag(claimsFor(alice, { resource: 'https://other.example/mcp' })),
      'invalid_grant',
    ],
    [
      'for another client (client_id)',
      () => idp.mintIdJag(claimsFor(alice, { client_id: 'someone-else' })),
      'invalid_grant',
    ],
    [
      'from an untrusted issuer',
      () => idp.mintIdJag(claimsFor(alice, { iss: 'https://evil.example' })),
      'invalid_grant',
    ],
    ['without jti', () => idp.mintIdJag(claimsFor(alice, { jti: undefined })), 'invalid_grant'],
    [
      'granting a scope this server lacks',
      () => idp.mintIdJag(claimsFor(alice, { scope: 'payroll:write' })),
      'invalid_grant',
    ],
    [
      'asked for scopes the IdP did not grant',
      () => idp.mintIdJag(claimsFor(alice, { scope: 'profile:read' })),
      'invalid_scope',
      { scope: 'notes:write' },
    ],
    [
      'asked for another resource',
      () => idp.mintIdJag(claimsFor(alice)),
      'invalid_target',
      { resource: 'https://other.example/mcp' },
    ],
  ];
  for (const [what, mint, error, extra] of refusals) {
    it(`refuses an ID-JAG ${what}: ${error}, no-store, nothing written`, async () => {
      const before = await counts();
      const res = await present(await mint(), extra);
      const body = await readJson(res);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.error, error, JSON.stringify(body));
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await counts(), before);
    });
  }

  it('refuses a replayed ID-JAG (jti single use): invalid_grant, nothing more written', async () => {
    const jag = await idp.mintIdJag(claimsFor(alice));
    assert.equal((await present(jag)).status, 200);
    const before = await counts();
    const res = await present(jag);
    const body = await readJson(res);
    assert.equal(res.status, 400);
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description as string, /already been used/);
    assert.deepEqual(await counts(), before);
  });

  it('client authentication: a public client gets invalid_client, a wrong secret invalid_client', async () => {
    const publicClient = await registerClient(t.url);
    const jag = await idp.mintIdJag(claimsFor(alice, { client_id: publicClient.client_id }));
    const pub = await tokenRequest(t.url, {
      grant_type: JWT_BEARER,
      assertion: jag,
      client_id: publicClient.client_id,
    });
    assert.equal(pub.status, 401);
    assert.equal((await readJson(pub)).error, 'invalid_client');
    const wrong = await present(
      await idp.mintIdJag(claimsFor(alice)),
      {},
      { ...basic(), clientSecret: 'nope' },
    );
    assert.equal(wrong.status, 401);
    assert.equal((await readJson(wrong)).error, 'invalid_client');
  });

  it('Connected apps: the SSO user the ID-JAG linked to sees "granted by", revokes, and the token dies', async () => {
    // Alice signs in here through company SSO with the same verified address: the ID-JAG's subject
    // was linked to her account by the SSO linking rule (EXT-EMA-08).
    sso.currentUser = { sub: 'sso-alice', email: alice.email, email_verified: true, name: 'Alice Corp' };
    const session = new HttpSession(t.url);
    await signInWithProvider(session, 'oidc');
    // A fresh token after sign-in, so the page has a grant to show.
    const res = await present(await idp.mintIdJag(claimsFor(alice)));
    const token = (await readJson(res)).access_token as string;
    const page = await session.follow('/account');
    assert.equal(page.response.status, 200);
    const host = new URL(idp.url).host;
    assert.match(page.text, new RegExp(`class="granted-by">granted by ${host.replace(/\./g, '\\.')}<`));
    const users = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(DISTINCT user_id)::int AS n FROM user_identities WHERE subject IN ('sso-alice', $1)`,
      [alice.sub],
    );
    assert.equal(users[0].n, 1, 'the ID-JAG subject and the SSO sign-in are one person');

    const [audit] = await t.dataSource.query<{ detail: Record<string, unknown> }[]>(
      `SELECT detail FROM audit_events WHERE type = 'token.issued' AND client_id = $1 ORDER BY id DESC LIMIT 1`,
      [client.client_id],
    );
    assert.equal(audit.detail.grantType, JWT_BEARER);
    assert.equal(audit.detail.grantedBy, idp.url);
    assert.equal(audit.detail.refreshToken, false);

    const activity = await session.follow('/account/activity');
    assert.match(activity.text, /Access granted through your company identity provider/);

    const forms = parseForms(page.text).filter((f) => f.action.endsWith('/revoke'));
    assert.ok(forms.length >= 1);
    for (const form of forms) await session.submit(form, page.url);
    assert.equal((await postMcp(t.url, token, toolsList)).status, 401);
    const live = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM oauth_grants WHERE client_id = $1 AND revoked_at IS NULL
          AND user_id = (SELECT user_id FROM user_identities WHERE subject = 'sso-alice')`,
      [client.client_id],
    );
    assert.equal(live[0].n, 0);
  });

  it('a renewal with a new ID-JAG reuses the live grant the IdP made (one row on the page)', async () => {
    const grants = async () =>
      (
        await t.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM oauth_grants WHERE client_id = $1 AND revoked_at IS NULL`,
          [client.client_id],
        )
      )[0].n;
    assert.equal((await present(await idp.mintIdJag(claimsFor(alice)))).status, 200);
    const before = await grants();
    assert.equal((await present(await idp.mintIdJag(claimsFor(alice)))).status, 200);
    assert.equal((await present(await idp.mintIdJag(claimsFor(alice, { scope: 'notes:read' })))).status, 200);
    assert.equal(await grants(), before);
  });

  it('admin pages name the IdP that granted a client its grants', async () => {
    const res = await present(await idp.mintIdJag(claimsFor(alice)));
    assert.equal(res.status, 200, JSON.stringify(await readJson(res)));
    // Alice (ADMIN_EMAILS, verified by company SSO) opens the clients page.
    const session = new HttpSession(t.url);
    await signInWithProvider(session, 'oidc');
    const page = await session.follow('/admin/clients');
    assert.equal(page.response.status, 200);
    const card = page.text.slice(page.text.indexOf(`data-client-id="${client.client_id}"`));
    assert.match(
      card.slice(0, card.indexOf('</li>')),
      new RegExp(`class="granted-by">${new URL(idp.url).host.replace(/\./g, '\\.')} `),
    );
    const summary = await t.app.get(ClientAdministration).list();
    const row = summary.find((c) => c.clientId === client.client_id)!;
    assert.deepEqual(row.grantedBy, [new URL(idp.url).host]);
  });
});

describe('enterprise-managed authorization: configuration narrows who may use it', () => {
  let idp: FakeEnterpriseIdp;
  let t: TestApp;
  let database: TestDatabase;
  let listed: RegisteredClient;
  let other: RegisteredClient;

  const env = { ENTERPRISE_IDP_ISSUERS: '', ALLOWED_EMAIL_DOMAINS: 'corp.example' };

  before(async () => {
    idp = await startFakeEnterpriseIdp();
    env.ENTERPRISE_IDP_ISSUERS = idp.url;
    database = await createTestDatabase();
    const first = await startTestApp({ database, env });
    const confidential = {
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
    };
    listed = await registerClient(first.url, confidential);
    other = await registerClient(first.url, confidential);
    await first.close();
    // The same database, now with the client list (ENTERPRISE_IDP_CLIENTS).
    t = await startTestApp({ database, env: { ...env, ENTERPRISE_IDP_CLIENTS: listed.client_id } });
  });
  after(async () => {
    await t?.close();
    await database?.drop();
    await idp?.stop();
  });

  const jagFor = (clientId: string, user: { sub: string; email: string; email_verified: boolean }) =>
    idp.mintIdJag({ ...user, aud: t.url, resource: `${t.url}/mcp`, client_id: clientId });

  it('a client outside ENTERPRISE_IDP_CLIENTS gets unauthorized_client', async () => {
    const res = await tokenRequest(
      t.url,
      {
        grant_type: JWT_BEARER,
        assertion: await jagFor(other.client_id, {
          sub: 'u1',
          email: 'u1@corp.example',
          email_verified: true,
        }),
      },
      { clientId: other.client_id, clientSecret: other.client_secret! },
    );
    assert.equal(res.status, 400);
    assert.equal((await readJson(res)).error, 'unauthorized_client');
  });

  it('ALLOWED_EMAIL_DOMAINS: an address outside the list, or an unverified one, is invalid_grant; inside is fine', async () => {
    const auth = { clientId: listed.client_id, clientSecret: listed.client_secret! };
    const outside = await tokenRequest(
      t.url,
      {
        grant_type: JWT_BEARER,
        assertion: await jagFor(listed.client_id, {
          sub: 'u2',
          email: 'u2@gmail.example',
          email_verified: true,
        }),
      },
      auth,
    );
    assert.equal(outside.status, 400);
    assert.equal((await readJson(outside)).error, 'invalid_grant');
    const unverified = await tokenRequest(
      t.url,
      {
        grant_type: JWT_BEARER,
        assertion: await jagFor(listed.client_id, {
          sub: 'u3',
          email: 'u3@corp.example',
          email_verified: false,
        }),
      },
      auth,
    );
    assert.equal((await readJson(unverified)).error, 'invalid_grant');
    const users = await t.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM users`);
    assert.equal(users[0].n, 0, 'no user was created for a refused subject');
    const inside = await tokenRequest(
      t.url,
      {
        grant_type: JWT_BEARER,
        assertion: await jagFor(listed.client_id, {
          sub: 'u4',
          email: 'u4@corp.example',
          email_verified: true,
        }),
      },
      auth,
    );
    assert.equal(inside.status, 200, JSON.stringify(await readJson(inside)));
  });

  it('a known person stays known: a later ID-JAG without email is judged by the address on record', async () => {
    const auth = { clientId: listed.client_id, clientSecret: listed.client_secret! };
    const res = await tokenRequest(
      t.url,
      {
        grant_type: JWT_BEARER,
        assertion: await idp.mintIdJag({ sub: 'u4', aud: t.url, client_id: listed.client_id }),
      },
      auth,
    );
    assert.equal(res.status, 200, JSON.stringify(await readJson(res)));
    const [identity] = await t.dataSource.query<{ email: string; email_verified: boolean }[]>(
      `SELECT email, email_verified FROM user_identities WHERE subject = 'u4'`,
    );
    assert.deepEqual(identity, { email: 'u4@corp.example', email_verified: true });
  });
});

describe('enterprise-managed authorization: off without a trusted IdP', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  it('the jwt-bearer grant is unsupported_grant_type and not advertised', async () => {
    const client = await registerClient(t.url, { token_endpoint_auth_method: 'client_secret_basic' });
    const res = await tokenRequest(
      t.url,
      { grant_type: JWT_BEARER, assertion: 'a.b.c' },
      { clientId: client.client_id, clientSecret: client.client_secret! },
    );
    assert.equal(res.status, 400);
    assert.equal((await readJson(res)).error, 'unsupported_grant_type');
    const m = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    assert.ok(!(m.grant_types_supported as string[]).includes(JWT_BEARER));
    assert.equal(m.authorization_grant_profiles_supported, undefined);
  });
});
