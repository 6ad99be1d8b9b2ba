// Checks: the token, revocation and introspection endpoints — client authentication
// (RFC 6749 §2.3), authorization_code + PKCE (AS-PK-01/09), resource binding (AS-RI-03), refresh
// rotation and reuse (AS-RT-03/07), RFC 7009, RFC 7662; every error path with its exact status and code.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCESS_TOKEN_VERIFIER,
  USER_GRANT_REVOKER,
  type AccessTokenVerifier,
  type UserGrantRevoker,
} from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import type { HttpSession } from '../support/http-session';
import {
  authorizeInBrowser,
  readJson,
  registerClient,
  tokenRequest,
  type RegisteredClient,
  type TokenResponseBody,
} from '../support/oauth-flow';

describe('OAuth token, revocation and introspection endpoints', () => {
  let t: TestApp;
  let verifier: AccessTokenVerifier;
  let pub: RegisteredClient;
  let conf: RegisteredClient;
  let post: RegisteredClient;
  const sessions = new Map<string, HttpSession>();

  before(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_REGISTER_PER_HOUR: '1000',
        RATE_LIMIT_TOKEN_PER_MINUTE: '10000',
        RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000',
      },
    });
    verifier = t.app.get<AccessTokenVerifier>(ACCESS_TOKEN_VERIFIER);
    pub = await registerClient(t.url, { client_name: 'Public' });
    conf = await registerClient(t.url, {
      client_name: 'Confidential',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    post = await registerClient(t.url, {
      client_name: 'Post, code only',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
    });
  });
  after(async () => {
    await t.close();
  });

  const basic = (c: RegisteredClient, secret = c.client_secret!) => ({
    clientId: c.client_id,
    clientSecret: secret,
  });

  /** A fresh code for a client (consent stored after the first one, so later ones skip the page). */
  async function code(client: RegisteredClient, scope?: string) {
    const result = await authorizeInBrowser(t.url, {
      email: 'token-tests@example.com',
      client,
      scope,
      session: sessions.get(client.client_id),
    });
    sessions.set(client.client_id, result.session);
    assert.ok(result.code);
    return { code: result.code, verifier: result.verifier, redirect_uri: client.redirect_uris[0] };
  }

  async function exchange(client: RegisteredClient, scope?: string): Promise<TokenResponseBody> {
    const c = await code(client, scope);
    const params: Record<string, string> = {
      grant_type: 'authorization_code',
      code: c.code,
      code_verifier: c.verifier,
      redirect_uri: c.redirect_uri,
    };
    let res: Response;
    if (client.token_endpoint_auth_method === 'client_secret_basic')
      res = await tokenRequest(t.url, params, basic(client));
    else if (client.token_endpoint_auth_method === 'client_secret_post')
      res = await tokenRequest(t.url, {
        ...params,
        client_id: client.client_id,
        client_secret: client.client_secret!,
      });
    else res = await tokenRequest(t.url, { ...params, client_id: client.client_id });
    const body = await readJson(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    return body as TokenResponseBody;
  }

  async function expectError(res: Response, status: number, error: string) {
    const body = await readJson(res);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.error, error);
    assert.equal(typeof body.error_description, 'string');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    return res;
  }

  const valid = async (token: string) => (await verifier.verify(token, t.config.mcpResource)).ok;

  describe('request shape and client authentication', () => {
    it('missing grant_type → 400 invalid_request', async () => {
      await expectError(await tokenRequest(t.url, { client_id: pub.client_id }), 400, 'invalid_request');
    });
    it('unknown grant_type → 400 unsupported_grant_type', async () => {
      await expectError(
        await tokenRequest(t.url, { grant_type: 'password', client_id: pub.client_id }),
        400,
        'unsupported_grant_type',
      );
      await expectError(
        await tokenRequest(t.url, { grant_type: 'client_credentials', client_id: pub.client_id }),
        400,
        'unsupported_grant_type',
      );
    });
    it('a JSON body → 400 invalid_request', async () => {
      const res = await fetch(`${t.url}/api/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'authorization_code', client_id: pub.client_id }),
      });
      await expectError(res, 400, 'invalid_request');
    });
    it('a repeated parameter → 400 invalid_request', async () => {
      const res = await fetch(`${t.url}/api/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=authorization_code&client_id=${pub.client_id}&code=a&code=b&code_verifier=${'a'.repeat(43)}`,
      });
      await expectError(res, 400, 'invalid_request');
    });
    it('no client authentication at all → 401 invalid_client', async () => {
      await expectError(
        await tokenRequest(t.url, { grant_type: 'authorization_code', code: 'x' }),
        401,
        'invalid_client',
      );
    });
    it('unknown client_id → 401 invalid_client', async () => {
      await expectError(
        await tokenRequest(t.url, { grant_type: 'authorization_code', code: 'x', client_id: 'mcpc_unknown' }),
        401,
        'invalid_client',
      );
    });
    it('wrong secret over Basic → 401 invalid_client with WWW-Authenticate: Basic', async () => {
      const res = await expectError(
        await tokenRequest(
          t.url,
          { grant_type: 'authorization_code', code: 'x' },
          basic(conf, 'mcp_cs_wrong'),
        ),
        401,
        'invalid_client',
      );
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    });
    it('Basic with an unknown client → 401 invalid_client with WWW-Authenticate: Basic', async () => {
      const res = await expectError(
        await tokenRequest(
          t.url,
          { grant_type: 'authorization_code', code: 'x' },
          { clientId: 'nobody', clientSecret: 's' },
        ),
        401,
        'invalid_client',
      );
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    });
    it('a confidential client without its secret (auth method none) → 401 invalid_client', async () => {
      await expectError(
        await tokenRequest(t.url, { grant_type: 'authorization_code', code: 'x', client_id: conf.client_id }),
        401,
        'invalid_client',
      );
    });
    it('a client using another method than it registered → 401 invalid_client', async () => {
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'authorization_code',
          code: 'x',
          client_id: conf.client_id,
          client_secret: conf.client_secret!,
        }),
        401,
        'invalid_client',
      );
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'authorization_code',
          code: 'x',
          client_id: pub.client_id,
          client_secret: 'anything',
        }),
        401,
        'invalid_client',
      );
    });
    it('Basic and client_secret together → 400 invalid_request', async () => {
      await expectError(
        await tokenRequest(
          t.url,
          { grant_type: 'authorization_code', code: 'x', client_secret: conf.client_secret! },
          basic(conf),
        ),
        400,
        'invalid_request',
      );
    });
  });

  describe('authorization_code grant', () => {
    it('client_secret_basic, client_secret_post and none all work; only refresh-registered clients get refresh tokens', async () => {
      const a = await exchange(conf);
      assert.match(a.refresh_token!, /^mcp_rt_/);
      const b = await exchange(post);
      assert.equal(b.refresh_token, undefined, 'registered for authorization_code only');
      const c = await exchange(pub);
      assert.match(c.refresh_token!, /^mcp_rt_/);
      for (const tok of [a, b, c]) assert.equal(await valid(tok.access_token), true);
    });
    it('missing code → 400 invalid_request; missing code_verifier → 400 invalid_request', async () => {
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'authorization_code',
          client_id: pub.client_id,
          code_verifier: 'a'.repeat(43),
        }),
        400,
        'invalid_request',
      );
      const c = await code(pub);
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'authorization_code',
          client_id: pub.client_id,
          code: c.code,
          redirect_uri: c.redirect_uri,
        }),
        400,
        'invalid_request',
      );
    });
    it('unknown code → 400 invalid_grant', async () => {
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'authorization_code',
          client_id: pub.client_id,
          code: 'mcp_ac_nope',
          code_verifier: 'a'.repeat(43),
        }),
        400,
        'invalid_grant',
      );
    });
    it('wrong code_verifier → 400 invalid_grant, and the code is not burnt by it (PKCE, RFC 7636 §4.6)', async () => {
      const c = await code(pub);
      const base = {
        grant_type: 'authorization_code',
        client_id: pub.client_id,
        code: c.code,
        redirect_uri: c.redirect_uri,
      };
      await expectError(
        await tokenRequest(t.url, { ...base, code_verifier: 'b'.repeat(43) }),
        400,
        'invalid_grant',
      );
      const ok = await tokenRequest(t.url, { ...base, code_verifier: c.verifier });
      assert.equal(ok.status, 200);
    });
    it('redirect_uri differing from the authorization request, or missing → 400 invalid_grant', async () => {
      const c = await code(pub);
      const base = {
        grant_type: 'authorization_code',
        client_id: pub.client_id,
        code: c.code,
        code_verifier: c.verifier,
      };
      await expectError(
        await tokenRequest(t.url, { ...base, redirect_uri: 'http://127.0.0.1:7777/other' }),
        400,
        'invalid_grant',
      );
      await expectError(await tokenRequest(t.url, base), 400, 'invalid_grant');
    });
    it('a code issued to another client → 400 invalid_grant', async () => {
      const other = await registerClient(t.url, { client_name: 'Other' });
      const c = await code(pub);
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'authorization_code',
          client_id: other.client_id,
          code: c.code,
          code_verifier: c.verifier,
          redirect_uri: c.redirect_uri,
        }),
        400,
        'invalid_grant',
      );
    });
    it('a foreign resource → 400 invalid_target; the MCP resource with a trailing slash is accepted (AS-RI-04)', async () => {
      const c = await code(pub);
      const base = {
        grant_type: 'authorization_code',
        client_id: pub.client_id,
        code: c.code,
        code_verifier: c.verifier,
        redirect_uri: c.redirect_uri,
      };
      await expectError(
        await tokenRequest(t.url, { ...base, resource: 'https://other.example/mcp' }),
        400,
        'invalid_target',
      );
      const ok = await tokenRequest(t.url, { ...base, resource: `${t.config.mcpResource}/` });
      assert.equal(ok.status, 200);
      const body = await readJson(ok);
      assert.equal((await verifier.verify(body.access_token, t.config.mcpResource)).ok, true);
      assert.deepEqual(await verifier.verify(body.access_token, 'https://other.example/mcp'), {
        ok: false,
        reason: 'wrong_audience',
      });
    });
    it('an expired code → 400 invalid_grant', async () => {
      const c = await code(pub);
      await t.dataSource.query(
        `UPDATE oauth_authorization_codes SET expires_at = now() - interval '1 second' WHERE code_hash = sha256($1::bytea)`,
        [Buffer.from(c.code)],
      );
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'authorization_code',
          client_id: pub.client_id,
          code: c.code,
          code_verifier: c.verifier,
          redirect_uri: c.redirect_uri,
        }),
        400,
        'invalid_grant',
      );
    });
    it('a replayed code → 400 invalid_grant and every token of its grant is revoked (RFC 6749 §10.5)', async () => {
      const c = await code(pub);
      const params = {
        grant_type: 'authorization_code',
        client_id: pub.client_id,
        code: c.code,
        code_verifier: c.verifier,
        redirect_uri: c.redirect_uri,
      };
      const first = await readJson(await tokenRequest(t.url, params));
      assert.equal(await valid(first.access_token), true);
      await expectError(await tokenRequest(t.url, params), 400, 'invalid_grant');
      assert.equal(await valid(first.access_token), false);
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: first.refresh_token,
        }),
        400,
        'invalid_grant',
      );
      const events = await t.dataSource.query(
        `SELECT type FROM audit_events WHERE type IN ('code.replay_detected', 'grant.revoked') ORDER BY id`,
      );
      assert.deepEqual(events.map((e: { type: string }) => e.type).slice(-2), [
        'code.replay_detected',
        'grant.revoked',
      ]);
    });
  });

  describe('refresh_token grant', () => {
    it('rotates: new pair, old refresh token consumed, old access token still valid until expiry', async () => {
      const first = await exchange(pub, 'notes:write profile:read');
      const res = await tokenRequest(t.url, {
        grant_type: 'refresh_token',
        client_id: pub.client_id,
        refresh_token: first.refresh_token!,
        resource: t.config.mcpResource,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const second = await readJson(res);
      assert.notEqual(second.refresh_token, first.refresh_token);
      assert.equal(second.scope, 'profile:read notes:write');
      assert.equal(await valid(second.access_token), true);
    });
    it('may narrow scope (hierarchy aware) but not widen it → 400 invalid_scope', async () => {
      const first = await exchange(pub, 'notes:write');
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: first.refresh_token!,
          scope: 'profile:read',
        }),
        400,
        'invalid_scope',
      );
      // The failed request did not consume the token:
      const narrowed = await readJson(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: first.refresh_token!,
          scope: 'notes:read',
        }),
      );
      assert.equal(narrowed.scope, 'notes:read');
      // ...and the next refresh may return to the originally granted scope (RFC 6749 §6).
      const back = await readJson(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: narrowed.refresh_token,
        }),
      );
      assert.equal(back.scope, 'notes:write');
    });
    it('a foreign resource → 400 invalid_target (the resource stays bound)', async () => {
      const first = await exchange(pub);
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: first.refresh_token!,
          resource: 'https://other.example/mcp',
        }),
        400,
        'invalid_target',
      );
    });
    it('missing refresh_token → 400 invalid_request; unknown → 400 invalid_grant', async () => {
      await expectError(
        await tokenRequest(t.url, { grant_type: 'refresh_token', client_id: pub.client_id }),
        400,
        'invalid_request',
      );
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: 'mcp_rt_x',
        }),
        400,
        'invalid_grant',
      );
    });
    it("another client's refresh token → 400 invalid_grant (and it stays valid for its owner)", async () => {
      const first = await exchange(conf);
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: first.refresh_token!,
        }),
        400,
        'invalid_grant',
      );
      const ok = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
        basic(conf),
      );
      assert.equal(ok.status, 200);
    });
    it('a client registered without refresh_token → 400 unauthorized_client', async () => {
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          refresh_token: 'mcp_rt_x',
          client_id: post.client_id,
          client_secret: post.client_secret!,
        }),
        400,
        'unauthorized_client',
      );
    });
  });

  describe('revocation (RFC 7009)', () => {
    const revoke = (params: Record<string, string>, auth?: { clientId: string; clientSecret: string }) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (auth)
        headers.authorization = `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`;
      return fetch(`${t.url}/api/oauth/revoke`, {
        method: 'POST',
        headers,
        body: new URLSearchParams(params),
      });
    };

    it('an unknown token → 200', async () => {
      const res = await revoke({ token: 'mcp_at_unknown', client_id: pub.client_id });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    });
    it('missing token → 400 invalid_request; bad client → 401 invalid_client', async () => {
      await expectError(await revoke({ client_id: pub.client_id }), 400, 'invalid_request');
      await expectError(await revoke({ token: 'x' }, basic(conf, 'wrong')), 401, 'invalid_client');
    });
    it("another client's token → refused (400 invalid_request) and not revoked", async () => {
      const tokens = await exchange(conf);
      await expectError(
        await revoke({ token: tokens.access_token, client_id: pub.client_id }),
        400,
        'invalid_request',
      );
      await expectError(
        await revoke({ token: tokens.refresh_token!, client_id: pub.client_id }),
        400,
        'invalid_request',
      );
      assert.equal(await valid(tokens.access_token), true);
    });
    it('an access token: that token only; a refresh token: the whole grant', async () => {
      const tokens = await exchange(pub);
      assert.equal(
        (
          await revoke({
            token: tokens.access_token,
            client_id: pub.client_id,
            token_type_hint: 'access_token',
          })
        ).status,
        200,
      );
      assert.deepEqual(await verifier.verify(tokens.access_token, t.config.mcpResource), {
        ok: false,
        reason: 'revoked',
      });
      const next = await readJson(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: tokens.refresh_token!,
        }),
      );
      assert.equal(await valid(next.access_token), true);
      // A wrong hint only changes the search order.
      assert.equal(
        (
          await revoke({
            token: next.refresh_token,
            client_id: pub.client_id,
            token_type_hint: 'access_token',
          })
        ).status,
        200,
      );
      assert.equal(await valid(next.access_token), false);
      await expectError(
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: next.refresh_token,
        }),
        400,
        'invalid_grant',
      );
      const events = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE type = 'token.revoked'`,
      );
      assert.ok(events[0].n >= 2);
    });
  });

  describe('introspection (RFC 7662)', () => {
    const introspect = (
      params: Record<string, string>,
      auth?: { clientId: string; clientSecret: string },
    ) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (auth)
        headers.authorization = `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`;
      return fetch(`${t.url}/api/oauth/introspect`, {
        method: 'POST',
        headers,
        body: new URLSearchParams(params),
      });
    };

    it('a public client → 401 invalid_client; a wrong secret → 401 invalid_client', async () => {
      await expectError(await introspect({ token: 'x', client_id: pub.client_id }), 401, 'invalid_client');
      await expectError(await introspect({ token: 'x' }, basic(conf, 'bad')), 401, 'invalid_client');
    });
    it('active token → active, scope, client_id, sub, aud, exp, iat, token_type; revoked → inactive', async () => {
      const tokens = await exchange(conf, 'notes:read');
      const res = await introspect({ token: tokens.access_token }, basic(conf));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = await readJson(res);
      assert.equal(body.active, true);
      assert.equal(body.scope, 'notes:read');
      assert.equal(body.client_id, conf.client_id);
      assert.match(body.sub, /^[0-9a-f-]{36}$/);
      assert.equal(body.aud, t.config.mcpResource);
      assert.equal(body.iss, t.config.issuer);
      assert.equal(body.token_type, 'Bearer');
      assert.ok(body.exp - body.iat === t.config.tokens.accessTokenTtl);
      const refresh = await readJson(
        await introspect({ token: tokens.refresh_token!, token_type_hint: 'refresh_token' }, basic(conf)),
      );
      assert.equal(refresh.active, true);
      assert.equal(refresh.token_type, undefined, 'token_type names access token types only (RFC 7662 §2.2)');
      await introspect({ token: 'mcp_at_nope' }, basic(conf)).then(async (r) =>
        assert.deepEqual(await readJson(r), { active: false }),
      );
      const other = await exchange(pub);
      assert.deepEqual(await readJson(await introspect({ token: other.access_token }, basic(conf))), {
        active: false,
      });
    });
  });

  describe('CORS for browser-based clients', () => {
    it('token, register and revoke answer preflights and carry Access-Control-Allow-Origin: *; introspect does not', async () => {
      for (const path of [
        '/api/oauth/token',
        '/api/oauth/register',
        '/api/oauth/revoke',
        `/api/oauth/register/${pub.client_id}`,
      ]) {
        const pre = await fetch(`${t.url}${path}`, {
          method: 'OPTIONS',
          headers: { origin: 'https://inspector.example', 'access-control-request-method': 'POST' },
        });
        assert.equal(pre.status, 204, path);
        assert.equal(pre.headers.get('access-control-allow-origin'), '*');
        assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
      }
      const res = await tokenRequest(t.url, { grant_type: 'nope', client_id: pub.client_id });
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const intro = await fetch(`${t.url}/api/oauth/introspect`, { method: 'POST' });
      assert.equal(intro.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('nothing partial after a rejected request', () => {
    it('failing token requests write no token, grant or consumption', async () => {
      const counts = async (): Promise<Record<string, number>> =>
        (
          await t.dataSource.query<Record<string, number>[]>(
            `SELECT (SELECT count(*) FROM oauth_access_tokens)::int AS a, (SELECT count(*) FROM oauth_refresh_tokens)::int AS r,
                    (SELECT count(*) FROM oauth_grants)::int AS g,
                    (SELECT count(*) FROM oauth_refresh_tokens WHERE consumed_at IS NOT NULL)::int AS rc,
                    (SELECT count(*) FROM oauth_authorization_codes WHERE consumed_at IS NOT NULL)::int AS cc`,
          )
        )[0];
      const tokens = await exchange(pub, 'notes:read');
      const c = await code(pub);
      const before = await counts();
      const failing: Record<string, string>[] = [
        {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: tokens.refresh_token!,
          scope: 'notes:write',
        },
        {
          grant_type: 'refresh_token',
          client_id: pub.client_id,
          refresh_token: tokens.refresh_token!,
          resource: 'https://x.example/mcp',
        },
        {
          grant_type: 'authorization_code',
          client_id: pub.client_id,
          code: c.code,
          code_verifier: 'c'.repeat(43),
          redirect_uri: c.redirect_uri,
        },
        {
          grant_type: 'authorization_code',
          client_id: pub.client_id,
          code: c.code,
          code_verifier: c.verifier,
          redirect_uri: c.redirect_uri,
          resource: 'https://x.example/mcp',
        },
        {
          grant_type: 'authorization_code',
          client_id: pub.client_id,
          code: c.code,
          code_verifier: c.verifier,
          redirect_uri: 'https://evil.example/cb',
        },
      ];
      for (const params of failing) assert.equal((await tokenRequest(t.url, params)).status, 400);
      assert.deepEqual(await counts(), before);
    });
  });

  describe('USER_GRANT_REVOKER port (for identity: disabled or deleted accounts)', () => {
    it("revokes every grant of one user, and nobody else's", async () => {
      const mine = [await exchange(pub), await exchange(conf)];
      const check = await verifier.verify(mine[0].access_token, t.config.mcpResource);
      assert.ok(check.ok);
      const other = await obtainOther();
      const revoker = t.app.get<UserGrantRevoker>(USER_GRANT_REVOKER);
      assert.ok((await revoker.revokeAllForUser(check.token.userId!, 'account_disabled')) >= 2);
      for (const tok of mine)
        assert.deepEqual(await verifier.verify(tok.access_token, t.config.mcpResource), {
          ok: false,
          reason: 'revoked',
        });
      assert.equal(await valid(other), true);
      assert.equal(await revoker.revokeAllForUser(check.token.userId!, 'again'), 0);
    });

    async function obtainOther(): Promise<string> {
      const result = await authorizeInBrowser(t.url, { email: 'someone-else@example.com', client: pub });
      const res = await tokenRequest(t.url, {
        grant_type: 'authorization_code',
        client_id: pub.client_id,
        code: result.code!,
        code_verifier: result.verifier,
        redirect_uri: pub.redirect_uris[0],
      });
      return (await readJson(res)).access_token as string;
    }
  });
});
