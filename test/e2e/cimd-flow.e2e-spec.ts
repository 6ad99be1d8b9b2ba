// Checks Client ID Metadata Documents: AS-REG-02..06, AS-MD-11, SEC-04 — a URL client_id
// through authorize → dev sign-in → consent → code → token → refresh, every refusal with its exact error, the shared cache.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { startDocumentServer, type DocumentServer } from '../support/cimd-document-server';
import { HttpSession } from '../support/http-session';
import { submitDevLoginForm } from '../support/sign-in';
import {
  authorizeInBrowser,
  authorizeUrl,
  obtainTokens,
  pkcePair,
  tokenRequest,
  type RegisteredClient,
} from '../support/oauth-flow';

const REDIRECT = 'http://127.0.0.1:7777/callback';
/** Every fetch failure shows this one message (no network oracle); the reason is in the audit event. */
const FETCH_FAILED_TEXT =
  'The client metadata document could not be retrieved; the application must publish it at its client_id URL over https';
const FETCH_FAILED = new RegExp(`^${FETCH_FAILED_TEXT.replace(/[.]/g, '\\.')}$`);

describe('URL client ids (Client ID Metadata Documents)', () => {
  let docs: DocumentServer;
  let t: TestApp;
  let n = 0;

  /** A document at a fresh path; returns the client as the oauth-flow helpers expect it. */
  const publish = (overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const path = `/clients/app-${++n}.json`;
    const clientId = docs.url(path);
    docs.json(
      path,
      { client_id: clientId, client_name: 'Doc App', redirect_uris: [REDIRECT], ...overrides },
      headers,
    );
    const client: RegisteredClient = {
      client_id: clientId,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      registration_access_token: '',
      registration_client_uri: '',
    };
    return { path, clientId, client };
  };

  /** AS-REG-05: problems with the document are shown (never redirected) as invalid_client. */
  async function expectErrorPage(
    clientId: string,
    error: string,
    description: RegExp,
    redirectUri = REDIRECT,
  ) {
    const res = await fetch(
      authorizeUrl(t.url, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: pkcePair().challenge,
      }),
      { redirect: 'manual' },
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null, 'client errors are never redirected');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.match(html, new RegExp(`<code id="error-code">${error}</code>`));
    const shown = /<p class="error" id="error-description">([^<]*)<\/p>/.exec(html)?.[1] ?? '';
    assert.match(shown.replace(/&#x27;/g, "'"), description);
  }

  async function fetchOutcomes(clientId: string): Promise<{ outcome: string; usedCache?: boolean }[]> {
    const rows = await t.dataSource.query<{ detail: { outcome: string; usedCache?: boolean } }[]>(
      `SELECT detail FROM audit_events WHERE type = 'cimd.fetch' AND detail->>'url' = $1 ORDER BY id`,
      [clientId],
    );
    return rows.map((r) => r.detail);
  }

  before(async () => {
    docs = await startDocumentServer();
    t = await startTestApp({
      env: { CIMD_ALLOW_INSECURE_LOCALHOST: 'true', CIMD_ALLOWED_HOSTS: 'trusted.example' },
    });
  });
  after(async () => {
    await t.close();
    await docs.close();
  });

  it('authorize → sign-in → consent (document host, redirect host, not verified) → code → token → refresh', async () => {
    const { path, clientId, client } = publish(
      { client_uri: 'https://app.example' },
      { 'cache-control': 'max-age=7200' },
    );
    const { tokens } = await obtainTokens(t.url, { email: 'ada@example.com', client });
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.refresh_token);
    assert.equal(
      docs.hits(path),
      1,
      'authorize fetched the document once; the token endpoint used the cache',
    );

    const refreshed = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    const body = (await refreshed.json()) as { access_token: string; refresh_token: string };
    assert.ok(body.access_token);

    // The cache row: Cache-Control max-age honoured; the client row stands for the URL.
    const [row] = await t.dataSource.query<
      { seconds: number; client_id: string; created_via: string; client_name: string }[]
    >(
      `SELECT extract(epoch FROM d.expires_at - d.fetched_at)::int AS seconds, d.client_id, c.created_via, c.client_name
         FROM cimd_documents d JOIN oauth_clients c USING (client_id) WHERE d.url = $1`,
      [clientId],
    );
    assert.equal(row.seconds, 7200);
    assert.equal(row.created_via, 'cimd');
    assert.equal(row.client_name, 'Doc App');
    assert.match(row.client_id, /^cimd_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await fetchOutcomes(clientId), [
      { url: clientId, outcome: 'fetched', cacheSeconds: 7200 },
    ]);

    // The internal row id is not a client_id anywhere.
    await expectErrorPage(row.client_id, 'invalid_client', /not registered/);
    const internal = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token,
      client_id: row.client_id,
    });
    assert.equal(internal.status, 401);
    assert.equal(((await internal.json()) as { error: string }).error, 'invalid_client');
  });

  it('the consent page shows the document host and the redirect host; outside CIMD_ALLOWED_HOSTS it is not verified', async () => {
    const { clientId } = publish();
    const session = new HttpSession(t.url);
    const { challenge } = pkcePair();
    let step = await session.follow(
      authorizeUrl(t.url, { client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge }),
    );
    step = await submitDevLoginForm(session, step, { email: 'grace@example.com' });
    assert.equal(step.response.status, 200);
    const html = step.text;
    assert.match(
      html,
      new RegExp(
        `<p id="document-host">This application describes itself at <strong>${new URL(clientId).host}</strong>`,
      ),
    );
    assert.match(html, /<strong id="redirect-host">127\.0\.0\.1:7777<\/strong>/);
    assert.match(html, /<span class="badge" id="unverified">Not verified<\/span>/);
    assert.match(html, /is not a publisher this server knows/);
  });

  it('remembered consent is not used once the document changed its redirect_uris', async () => {
    const { path, clientId, client } = publish();
    const first = await authorizeInBrowser(t.url, { email: 'linus@example.com', client });
    assert.equal(first.consentShown, true);
    assert.ok(first.code);
    const again = await authorizeInBrowser(t.url, {
      email: 'linus@example.com',
      client,
      session: first.session,
    });
    assert.equal(again.consentShown, false, 'same document: the stored consent covers it');

    // The publisher adds a redirect URI; once the cached copy expires the new document is fetched.
    docs.json(path, {
      client_id: clientId,
      client_name: 'Doc App',
      redirect_uris: [REDIRECT, 'https://app.example/cb'],
    });
    await t.dataSource.query(
      `UPDATE cimd_documents SET expires_at = now() - interval '1 second' WHERE url = $1`,
      [clientId],
    );
    const changed = await authorizeInBrowser(t.url, {
      email: 'linus@example.com',
      client,
      session: first.session,
    });
    assert.equal(changed.consentShown, true, 'redirect_uris changed: consent is asked again');
    assert.deepEqual(
      (await fetchOutcomes(clientId)).map((o) => o.outcome),
      ['fetched', 'refreshed'],
    );
    const after = await authorizeInBrowser(t.url, {
      email: 'linus@example.com',
      client,
      session: first.session,
    });
    assert.equal(after.consentShown, false, 'consent given after the change is remembered');
  });

  it('bad documents: each refused at authorize with invalid_client (error page) and the reason', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ client_id: 'https://elsewhere.example/client.json' }, /client_id that is not exactly its URL/],
      [{ client_name: undefined }, /has no client_name/],
      [{ redirect_uris: undefined }, /has no redirect_uris/],
      [{ redirect_uris: ['http://evil.example/cb'] }, /is invalid: redirect_uri .* must use https/],
      [{ token_endpoint_auth_method: 'client_secret_basic' }, /token_endpoint_auth_method none/],
      [{ token_endpoint_auth_method: 'private_key_jwt' }, /private_key_jwt needs the public keys/],
    ];
    for (const [overrides, description] of cases) {
      const { clientId } = publish(overrides);
      await expectErrorPage(clientId, 'invalid_client', description);
      const outcomes = await fetchOutcomes(clientId);
      assert.equal(outcomes.length, 1);
      assert.match(outcomes[0].outcome, /^(client_id_mismatch|invalid_document)$/);
    }
  });

  it('bad publishers: too large, redirecting, non-JSON, missing, slow — each refused with invalid_client', async () => {
    const big = `/clients/big.json`;
    docs.route(big, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          client_id: docs.url(big),
          client_name: 'x'.repeat(6000),
          redirect_uris: [REDIRECT],
        }),
      );
    });
    await expectErrorPage(docs.url(big), 'invalid_client', FETCH_FAILED);
    const moved = `/clients/moved.json`;
    const target = publish();
    docs.route(moved, (_req, res) => res.writeHead(302, { location: target.clientId }).end());
    await expectErrorPage(docs.url(moved), 'invalid_client', FETCH_FAILED);
    assert.equal(docs.hits(target.path), 0, 'the redirect was not followed');
    const html = `/clients/page.json`;
    docs.route(html, (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>'),
    );
    await expectErrorPage(docs.url(html), 'invalid_client', FETCH_FAILED);
    await expectErrorPage(docs.url('/clients/missing.json'), 'invalid_client', FETCH_FAILED);
    const slow = `/clients/slow.json`;
    docs.route(
      slow,
      (_req, res) =>
        void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 8000),
    );
    const started = Date.now();
    await expectErrorPage(docs.url(slow), 'invalid_client', FETCH_FAILED);
    const took = Date.now() - started;
    assert.ok(took >= 4900 && took < 7000, `timed out after ${took} ms`);
    // One audit event per fetch outcome.
    const outcomes = [];
    for (const p of [big, moved, html, '/clients/missing.json', slow]) {
      outcomes.push(...(await fetchOutcomes(docs.url(p))).map((o) => o.outcome));
    }
    assert.deepEqual(outcomes, ['too_large', 'redirect', 'not_json', 'http_status', 'timeout']);
    // The reasons the browser no longer sees are in the audit events.
    const messages = [];
    for (const p of [big, moved, html, '/clients/missing.json', slow]) {
      const rows = await t.dataSource.query<{ message: string }[]>(
        `SELECT detail->>'message' AS message FROM audit_events WHERE type = 'cimd.fetch' AND detail->>'url' = $1`,
        [docs.url(p)],
      );
      messages.push(...rows.map((r) => r.message));
    }
    assert.match(messages[0], /larger than 5120 bytes/);
    assert.match(messages[1], /redirects are not followed/);
    assert.match(messages[2], /not application\/json/);
    assert.match(messages[3], /answered HTTP 404/);
    assert.match(messages[4], /did not arrive within 5 seconds/);
  });

  it('bad client_id URLs and a redirect_uri not in the document', async () => {
    await expectErrorPage(`${docs.origin}/`, 'invalid_client', /must have a path/);
    await expectErrorPage(`${docs.url('/c.json')}#frag`, 'invalid_client', /must not contain a fragment/);
    const { clientId } = publish();
    await expectErrorPage(
      clientId,
      'invalid_redirect_uri',
      /not one of the redirect_uris in this client's metadata document/,
      'http://127.0.0.1:7778/callback',
    );
  });

  it('token endpoint: a document without keys is a public client; client secrets and assertions refused with invalid_client (401)', async () => {
    const { clientId } = publish();
    const params = {
      grant_type: 'authorization_code',
      code: 'x',
      code_verifier: 'y'.repeat(43),
      redirect_uri: REDIRECT,
    };
    const post = await tokenRequest(t.url, { ...params, client_id: clientId, client_secret: 's' });
    assert.equal(post.status, 401);
    assert.deepEqual(await post.json(), {
      error: 'invalid_client',
      error_description:
        'A client identified by a metadata document URL authenticates with none or private_key_jwt; client_secret_post is not accepted (a document cannot carry a client secret)',
    });
    const basic = await tokenRequest(t.url, params, { clientId, clientSecret: 's' });
    assert.equal(basic.status, 401);
    assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal(((await basic.json()) as { error: string }).error, 'invalid_client');
    const jwt = await tokenRequest(t.url, {
      ...params,
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'a.b.c',
    });
    assert.equal(jwt.status, 401);
    assert.equal(jwt.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await jwt.json(), {
      error: 'invalid_client',
      error_description: 'The client assertion is not a signed JWT (RFC 7523 §2.2)',
    });
    // A document that cannot be used: 401 invalid_client with the reason.
    const bad = publish({ client_id: 'https://elsewhere.example/x.json' });
    const res = await tokenRequest(t.url, { ...params, client_id: bad.clientId });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), {
      error: 'invalid_client',
      error_description: 'The client metadata document has a client_id that is not exactly its URL',
    });
  });

  it('publisher down: a cached copy (younger than 24 h) is used; without one → invalid_client', async () => {
    const { path, clientId, client } = publish();
    const { tokens } = await obtainTokens(t.url, { email: 'barbara@example.com', client });
    docs.route(path, (_req, res) => res.writeHead(503).end());
    await t.dataSource.query(
      `UPDATE cimd_documents SET expires_at = now() - interval '1 second' WHERE url = $1`,
      [clientId],
    );
    const refreshed = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: clientId,
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    assert.deepEqual((await fetchOutcomes(clientId)).at(-1), {
      url: clientId,
      outcome: 'http_status',
      usedCache: true,
      message: 'The client metadata document URL answered HTTP 503',
    });

    // A 404 is the publisher saying the document is gone: the cache does not paper over it.
    docs.route(path, (_req, res) => res.writeHead(404).end());
    const gone = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: 'whatever',
      client_id: clientId,
    });
    assert.equal(gone.status, 401);
    assert.deepEqual(await gone.json(), {
      error: 'invalid_client',
      error_description: FETCH_FAILED_TEXT,
    });
    docs.route(path, (_req, res) => res.writeHead(503).end());

    // Older than the 24 h bound: the cache no longer bridges the outage.
    await t.dataSource.query(
      `UPDATE cimd_documents SET fetched_at = now() - interval '25 hours' WHERE url = $1`,
      [clientId],
    );
    const refused = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: 'whatever',
      client_id: clientId,
    });
    assert.equal(refused.status, 401);
    assert.deepEqual(await refused.json(), {
      error: 'invalid_client',
      error_description: FETCH_FAILED_TEXT,
    });

    // Never fetched and down: invalid_client at both endpoints.
    const down = publish();
    docs.route(down.path, (_req, res) => res.writeHead(500).end());
    await expectErrorPage(down.clientId, 'invalid_client', FETCH_FAILED);
  });

  it('a URL client disabled by an administrator is refused at authorize and token', async () => {
    const { clientId } = publish();
    await expectErrorPage(
      clientId,
      'invalid_redirect_uri',
      /not one of the redirect_uris/,
      'http://127.0.0.1:1/x',
    );
    await t.dataSource.query(
      `UPDATE oauth_clients SET disabled_at = now() WHERE client_id = (SELECT client_id FROM cimd_documents WHERE url = $1)`,
      [clientId],
    );
    await expectErrorPage(clientId, 'invalid_client', /disabled by the administrator/);
    const res = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: clientId,
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
  });

  it('Cache-Control is honoured within [5 min, 24 h]', async () => {
    for (const [header, seconds] of [
      ['max-age=10', 300],
      ['max-age=999999', 86400],
      ['no-store', 300],
    ] as const) {
      const { clientId } = publish({}, { 'cache-control': header });
      await expectErrorPage(
        clientId,
        'invalid_redirect_uri',
        /not one of the redirect_uris/,
        'http://127.0.0.1:1/x',
      );
      const [row] = await t.dataSource.query<{ seconds: number }[]>(
        `SELECT extract(epoch FROM expires_at - fetched_at)::int AS seconds FROM cimd_documents WHERE url = $1`,
        [clientId],
      );
      assert.equal(row.seconds, seconds, header);
    }
  });

  it('two replicas share the cache: the second one does not fetch again', async () => {
    const other = await startTestApp({
      database: t.database,
      env: { CIMD_ALLOW_INSECURE_LOCALHOST: 'true' },
    });
    try {
      const { path, client } = publish();
      const a = await authorizeInBrowser(t.url, { email: 'edsger@example.com', client });
      assert.ok(a.code);
      assert.equal(docs.hits(path), 1);
      const b = await authorizeInBrowser(other.url, { email: 'edsger@example.com', client });
      assert.ok(b.code);
      assert.equal(docs.hits(path), 1, 'replica B used the row replica A stored');
      // Replica B's token endpoint also resolves the URL client from the shared row.
      const res = await tokenRequest(other.url, {
        grant_type: 'authorization_code',
        code: b.code,
        code_verifier: b.verifier,
        redirect_uri: REDIRECT,
        client_id: client.client_id,
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(docs.hits(path), 1);
    } finally {
      await other.close();
    }
  });
});
