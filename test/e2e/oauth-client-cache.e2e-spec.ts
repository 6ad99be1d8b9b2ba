// Checks LB-06 (registered clients are shared state across replicas) for the per-replica client
// cache: a client changed through replica A (RFC 7592 update and delete, admin disable and delete,
// housekeeping) is judged by replica B's token endpoint on its new state at once (NOTIFY), within
// 2 s, never after the 30 s a cached row may otherwise live.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OAuthHousekeeping } from '../../libs/oauth/src/housekeeping';
import { CLIENT_CACHE_TTL_MS } from '../../libs/oauth/src/clients/client-cache';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { HttpSession } from '../support/http-session';
import {
  obtainTokens,
  readJson,
  registerClient,
  tokenRequest,
  type RegisteredClient,
} from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';

/** NOTIFY reaches the other replica asynchronously; this is how long B may take to hear it. */
const PROPAGATION_MS = 2000;

interface Credentials {
  method: 'client_secret_basic' | 'client_secret_post';
  clientId: string;
  secret: string;
}

const basic = (client: RegisteredClient): Credentials => ({
  method: 'client_secret_basic',
  clientId: client.client_id,
  secret: client.client_secret!,
});

/**
 * A refresh_token request with a token that does not exist: 400 invalid_grant proves the client
 * authenticated (its row was read, or served from the cache); 401 invalid_client that it did not.
 */
async function bogusRefresh(app: TestApp, who: Credentials): Promise<{ status: number; error: string }> {
  const params: Record<string, string> = { grant_type: 'refresh_token', refresh_token: 'mcp_rt_bogus' };
  if (who.method === 'client_secret_post')
    Object.assign(params, { client_id: who.clientId, client_secret: who.secret });
  const res = await tokenRequest(
    app.url,
    params,
    who.method === 'client_secret_basic' ? { clientId: who.clientId, clientSecret: who.secret } : undefined,
  );
  return { status: res.status, error: (await readJson(res)).error as string };
}

const AUTHENTICATED = { status: 400, error: 'invalid_grant' };
const REFUSED = { status: 401, error: 'invalid_client' };

/** Polls `app` until it answers `expected`; fails after PROPAGATION_MS (the cache's TTL is 30 s). */
async function answersWithin(
  app: TestApp,
  who: Credentials,
  expected: { status: number; error: string },
): Promise<void> {
  const started = Date.now();
  for (;;) {
    const got = await bogusRefresh(app, who);
    if (got.status === expected.status) {
      assert.deepEqual(got, expected);
      return;
    }
    if (Date.now() - started > PROPAGATION_MS) {
      assert.fail(`${app.url} still answered ${JSON.stringify(got)} ${PROPAGATION_MS} ms after the change`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** B (and A) authenticate the client, so that each replica holds it in its cache. */
async function cachedOn(apps: TestApp[], who: Credentials): Promise<void> {
  for (const app of apps)
    for (let i = 0; i < 2; i++) assert.deepEqual(await bogusRefresh(app, who), AUTHENTICATED);
}

async function manage(
  client: RegisteredClient,
  method: 'PUT' | 'DELETE',
  body?: Record<string, unknown>,
): Promise<Response> {
  return fetch(client.registration_client_uri, {
    method,
    headers: {
      authorization: `Bearer ${client.registration_access_token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
}

describe('client cache across replicas: changes through A reach B at once (LB-06)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let adminToken: string;

  before(async () => {
    db = await createTestDatabase();
    const env = {
      ADMIN_EMAILS: 'ops@example.com',
      RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
      RATE_LIMIT_REGISTER_PER_HOUR: '1000',
    };
    a = await startTestApp({ database: db, env });
    // Replicas behind one load balancer share one PUBLIC_URL (issuer and resource).
    b = await startTestApp({ database: db, env: { ...env, PUBLIC_URL: a.url } });
    const session = new HttpSession(a.url);
    await signInWithDevLogin(session, { email: 'ops@example.com' });
    await a.dataSource.query(`UPDATE users SET email_verified = true WHERE email = 'ops@example.com'`);
    const ops = await obtainTokens(a.url, {
      email: 'ops@example.com',
      session,
      scope: 'admin',
      resource: a.config.adminResource,
    });
    assert.equal(ops.tokens.scope, 'admin');
    adminToken = ops.tokens.access_token;
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  const confidential = (name: string) =>
    registerClient(a.url, { client_name: name, token_endpoint_auth_method: 'client_secret_basic' });

  it('B really caches: a change written without NOTIFY is not seen by B (so the next tests prove the notices)', async () => {
    assert.equal(CLIENT_CACHE_TTL_MS, 30_000);
    const client = await confidential('Control');
    await cachedOn([b], basic(client));
    await a.dataSource.query(
      `UPDATE oauth_clients SET token_endpoint_auth_method = 'client_secret_post' WHERE client_id = $1`,
      [client.client_id],
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await bogusRefresh(b, basic(client)), AUTHENTICATED, 'B answers from its cache');
    // ...while A, which never read it, reads the database.
    assert.deepEqual(await bogusRefresh(a, basic(client)), REFUSED);
  });

  it('RFC 7592 update that changes the authentication method: B refuses the old one at once, accepts the new', async () => {
    const client = await confidential('Method change');
    await cachedOn([a, b], basic(client));
    const res = await manage(client, 'PUT', {
      client_id: client.client_id,
      client_name: 'Method change',
      redirect_uris: client.redirect_uris,
      grant_types: client.grant_types,
      token_endpoint_auth_method: 'client_secret_post',
    });
    assert.equal(res.status, 200);
    const body = await readJson(res);
    assert.equal(body.token_endpoint_auth_method, 'client_secret_post');
    assert.equal(body.client_secret, undefined, 'the secret is kept');
    // The replica that made the change forgets the row before it answers.
    assert.deepEqual(await bogusRefresh(a, basic(client)), REFUSED);
    await answersWithin(b, basic(client), REFUSED);
    const post: Credentials = {
      method: 'client_secret_post',
      clientId: client.client_id,
      secret: client.client_secret!,
    };
    assert.deepEqual(await bogusRefresh(b, post), AUTHENTICATED);
  });

  it('RFC 7592 updates that replace the secret: B refuses the old secret at once and accepts the new one', async () => {
    const client = await confidential('New secret');
    await cachedOn([a, b], basic(client));
    const metadata = {
      client_id: client.client_id,
      redirect_uris: client.redirect_uris,
      grant_types: client.grant_types,
    };
    // RFC 7592 §2.2: leaving client_secret_basic for none needs the current secret.
    const toPublic = await manage(client, 'PUT', {
      ...metadata,
      token_endpoint_auth_method: 'none',
      client_secret: client.client_secret,
    });
    assert.equal(toPublic.status, 200);
    const rotated = {
      ...client,
      registration_access_token: (await readJson(toPublic)).registration_access_token,
    };
    const back = await manage(rotated, 'PUT', {
      ...metadata,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    assert.equal(back.status, 200);
    const secret = (await readJson(back)).client_secret as string;
    assert.match(secret, /^mcp_cs_/);
    assert.notEqual(secret, client.client_secret);
    await answersWithin(b, basic(client), REFUSED);
    await answersWithin(b, { ...basic(client), secret }, AUTHENTICATED);
    assert.deepEqual(await bogusRefresh(a, basic(client)), REFUSED);
  });

  it('admin disable (POST /api/admin/clients/:id/disable on A): B refuses the client at once', async () => {
    const client = await confidential('To disable');
    await cachedOn([a, b], basic(client));
    const res = await fetch(`${a.url}/api/admin/clients/${client.client_id}/disable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await readJson(res), { client_id: client.client_id, disabled: true });
    assert.deepEqual(await bogusRefresh(a, basic(client)), REFUSED);
    await answersWithin(b, basic(client), REFUSED);
  });

  it('RFC 7592 delete on A: B refuses the client at once', async () => {
    const client = await confidential('To delete');
    await cachedOn([a, b], basic(client));
    assert.equal((await manage(client, 'DELETE')).status, 204);
    assert.deepEqual(await bogusRefresh(a, basic(client)), REFUSED);
    await answersWithin(b, basic(client), REFUSED);
  });

  it('admin delete of a never-used client (DELETE /api/admin/clients/:id on A): A and B refuse it at once', async () => {
    const client = await confidential('Never used');
    await cachedOn([a, b], basic(client)); // failed token requests do not count as use
    const res = await fetch(`${a.url}/api/admin/clients/${client.client_id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await readJson(res), { client_id: client.client_id, deleted: true });
    await answersWithin(a, basic(client), REFUSED);
    await answersWithin(b, basic(client), REFUSED);
  });

  it('housekeeping on A deletes a stale self-registered client: B refuses it at once', async () => {
    const client = await confidential('Stale');
    await cachedOn([a, b], basic(client));
    await a.dataSource.query(
      `UPDATE oauth_clients SET created_at = now() - make_interval(days => $2) WHERE client_id = $1`,
      [client.client_id, a.config.dcrClientTtlDays + 1],
    );
    assert.deepEqual(await bogusRefresh(b, basic(client)), AUTHENTICATED, 'still cached on B');
    assert.equal((await a.app.get(OAuthHousekeeping).run()).ran, true);
    assert.equal(
      (await a.dataSource.query(`SELECT 1 FROM oauth_clients WHERE client_id = $1`, [client.client_id]))
        .length,
      0,
    );
    await answersWithin(a, basic(client), REFUSED);
    await answersWithin(b, basic(client), REFUSED);
  });
});
