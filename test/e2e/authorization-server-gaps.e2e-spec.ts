// Checks what users of URL clients and generic OAuth libraries hit: URL (CIMD) clients on /account carry the
// "not verified" mark and the document host like the consent page; whoami names a URL client by its
// client_id URL; invalid_client names the method the client registered; offline_access is advertised by the
// authorization server only (MCP 2026-07-28 Refresh Tokens) and accepted at authorize; every authorization
// response carries iss (RFC 9207); /favicon.ico is no JSON 404; application_type and the redirect URI rules
// (RFC 8252 §7.1 reverse-domain schemes, dangerous handlers, RFC 9207 response parameters) hold over HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { startDocumentServer, type DocumentServer } from '../support/cimd-document-server';
import { postMcp } from '../support/mcp-client';
import {
  authorizeInBrowser,
  obtainTokens,
  readJson,
  registerClient,
  tokenRequest,
  type RegisteredClient,
} from '../support/oauth-flow';

const REDIRECT = 'http://127.0.0.1:7777/callback';

describe('Authorization-server gaps: URL clients on /account, whoami, invalid_client, offline_access, iss, favicon', () => {
  let t: TestApp;
  let trusted: DocumentServer;
  let untrusted: DocumentServer;

  before(async () => {
    trusted = await startDocumentServer(); // http://localhost:<port>
    untrusted = await startDocumentServer({ host: '127.0.0.1' });
    t = await startTestApp({
      env: {
        CIMD_ALLOW_INSECURE_LOCALHOST: 'true',
        CIMD_ALLOWED_HOSTS: 'localhost',
        RATE_LIMIT_REGISTER_PER_HOUR: '1000',
      },
    });
  });
  after(async () => {
    await t.close();
    await trusted.close();
    await untrusted.close();
  });

  const urlClient = (docs: DocumentServer, path: string, name: string): RegisteredClient => {
    const clientId = docs.url(path);
    docs.json(path, { client_id: clientId, client_name: name, redirect_uris: [REDIRECT] });
    return {
      client_id: clientId,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      registration_access_token: '',
      registration_client_uri: '',
    };
  };

  /** The card of one client on /account, by its name. */
  function card(html: string, name: string): string {
    const cards = html.split('<li class="card"').slice(1);
    const found = cards.find((c) => c.includes(`<strong class="client-name">${name}</strong>`));
    assert.ok(found, `no card for ${name}`);
    return found;
  }

  it('/account marks an unlisted URL client "not verified" with its document host; a listed one is not marked', async () => {
    const email = 'cimd-account@example.com';
    const shady = urlClient(untrusted, '/apps/shady.json', 'Shady Tool');
    const known = urlClient(trusted, '/apps/known.json', 'Known Tool');
    const first = await obtainTokens(t.url, { email, client: shady });
    await obtainTokens(t.url, { email, client: known, session: first.session });
    const res = await first.session.request('/account');
    assert.equal(res.status, 200);
    const html = await res.text();
    const shadyCard = card(html, 'Shady Tool');
    assert.match(shadyCard, /class="badge unverified">not verified</);
    assert.match(
      shadyCard,
      new RegExp(`class="document-host"><strong>${new URL(shady.client_id).host}</strong>`),
    );
    assert.ok(shadyCard.includes(`<code class="document-url">${shady.client_id}</code>`));
    const knownCard = card(html, 'Known Tool');
    assert.doesNotMatch(knownCard, /not verified/);
    assert.match(
      knownCard,
      new RegExp(`class="document-host"><strong>${new URL(known.client_id).host}</strong>`),
    );
    // A registered (DCR) client has no document host and stays "not verified".
    const dcr = await obtainTokens(t.url, { email, session: first.session });
    const dcrCard = card(
      await (await first.session.request('/account')).text(),
      dcr.client.client_name as string,
    );
    assert.match(dcrCard, /not verified/);
    assert.doesNotMatch(dcrCard, /document-host/);
  });

  it('whoami for a URL client shows the client_id URL the client knows, not the internal row id', async () => {
    const client = urlClient(untrusted, '/apps/whoami.json', 'Whoami Tool');
    const { tokens } = await obtainTokens(t.url, {
      email: 'cimd-whoami@example.com',
      client,
      scope: 'profile:read',
    });
    const res = await postMcp(t.url, tokens.access_token, {
      method: 'tools/call',
      params: { name: 'whoami', arguments: {} },
    });
    const body = (await res.json()) as { result: { structuredContent: { client: { id: string } } } };
    assert.equal(body.result.structuredContent.client.id, client.client_id);
    // A registered client keeps its own client_id.
    const dcr = await obtainTokens(t.url, { email: 'dcr-whoami@example.com', scope: 'profile:read' });
    const own = await postMcp(t.url, dcr.tokens.access_token, {
      method: 'tools/call',
      params: { name: 'whoami', arguments: {} },
    });
    const ownBody = (await own.json()) as { result: { structuredContent: { client: { id: string } } } };
    assert.equal(ownBody.result.structuredContent.client.id, dcr.client.client_id);
  });

  it('invalid_client names the method the client registered (generic libraries guess another)', async () => {
    const basic = await registerClient(t.url, { token_endpoint_auth_method: 'client_secret_basic' });
    const viaPost = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: basic.client_id,
      client_secret: basic.client_secret!,
    });
    assert.equal(viaPost.status, 401);
    const body = await readJson(viaPost);
    assert.equal(body.error, 'invalid_client');
    assert.match(body.error_description, /^This client authenticates with client_secret_basic \(/);
    assert.match(body.error_description, /the request used client_secret_post$/);

    const post = await registerClient(t.url, { token_endpoint_auth_method: 'client_secret_post' });
    const viaBasic = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { clientId: post.client_id, clientSecret: post.client_secret! },
    );
    assert.equal(viaBasic.status, 401);
    assert.match(viaBasic.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.match((await readJson(viaBasic)).error_description, /authenticates with client_secret_post/);

    // A wrong secret with the right method still says nothing more than "failed".
    const wrong = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { clientId: basic.client_id, clientSecret: 'not-the-secret' },
    );
    assert.equal((await readJson(wrong)).error_description, 'Client authentication failed');
  });

  it('offline_access: in the authorization server metadata only; never in PRM nor in a challenge; accepted at authorize', async () => {
    const as = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    assert.ok((as.scopes_supported as string[]).includes('offline_access'));
    const prm = await readJson(await fetch(`${t.url}/.well-known/oauth-protected-resource/mcp`));
    assert.ok(!(prm.scopes_supported as string[]).includes('offline_access'));
    const challenge = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(challenge.status, 401);
    assert.doesNotMatch(challenge.headers.get('www-authenticate') ?? '', /offline_access/);

    // Asked for alone or beside resource scopes: a refresh token, never a granted "offline_access".
    const alone = await obtainTokens(t.url, { email: 'offline@example.com', scope: 'offline_access' });
    assert.ok(alone.tokens.refresh_token);
    assert.doesNotMatch(alone.tokens.scope, /offline_access/);
    const both = await obtainTokens(t.url, {
      email: 'offline@example.com',
      scope: 'notes:read offline_access',
    });
    assert.equal(both.tokens.scope, 'notes:read');
    const refreshed = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: both.tokens.refresh_token!,
      client_id: both.client.client_id,
      scope: 'notes:read offline_access',
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    assert.equal((await readJson(refreshed)).scope, 'notes:read');
  });

  it('iss (RFC 9207 §2) on every authorization response: the code and a refusal', async () => {
    const client = await registerClient(t.url);
    const allowed = await authorizeInBrowser(t.url, { email: 'iss@example.com', client, state: 's1' });
    assert.ok(allowed.code);
    assert.equal(allowed.callback.searchParams.get('iss'), t.url);
    assert.deepEqual(allowed.callback.searchParams.getAll('iss'), [t.url]);
    const denied = await authorizeInBrowser(t.url, {
      email: 'iss@example.com',
      client,
      state: 's2',
      decision: 'deny',
      extra: { prompt: 'consent' },
      session: allowed.session,
    });
    assert.equal(denied.callback.searchParams.get('error'), 'access_denied');
    assert.deepEqual(denied.callback.searchParams.getAll('iss'), [t.url]);
  });

  const register = (metadata: Record<string, unknown>) =>
    fetch(`${t.url}/api/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Reg', token_endpoint_auth_method: 'none', ...metadata }),
    });

  it('application_type (OIDC Registration §2): stored; redirect URIs that do not suit it are refused naming the rule', async () => {
    const native = await register({
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1:9999/cb'],
    });
    assert.equal(native.status, 201);
    const body = await readJson(native);
    assert.equal(body.application_type, 'native');
    const [row] = await t.dataSource.query<{ application_type: string }[]>(
      'SELECT application_type FROM oauth_clients WHERE client_id = $1',
      [body.client_id],
    );
    assert.equal(row.application_type, 'native');
    for (const [type, uri, rule] of [
      [
        'native',
        'https://app.example.com/cb',
        /application_type native allows only private-use scheme .* or http loopback/,
      ],
      ['web', 'com.example.app:/cb', /application_type web allows only https/],
    ] as const) {
      const res = await register({ application_type: type, redirect_uris: [uri] });
      assert.equal(res.status, 400);
      const error = await readJson(res);
      assert.equal(error.error, 'invalid_redirect_uri');
      assert.match(error.error_description, rule);
    }
    const web = await readJson(
      await register({ application_type: 'web', redirect_uris: ['https://app.example.com/cb'] }),
    );
    assert.equal(web.application_type, 'web');
  });

  it('redirect URIs: dangerous handlers, single-label schemes, response parameters and CR/LF are refused at registration', async () => {
    const refused: [string, RegExp][] = [
      ['ms-msdt:/id', /scheme that is not allowed/],
      ['search-ms:query=x', /scheme that is not allowed/],
      ['jar:https://evil.example/a.jar!/', /scheme that is not allowed/],
      ['smb://evil.example/share', /scheme that is not allowed/],
      ['itms-services://?action=download-manifest', /scheme that is not allowed/],
      ['a:/cb', /reverse domain name form/],
      ['myapp://callback', /reverse domain name form/],
      ['https://app.example.com/cb?iss=https://evil.example', /must not carry code, state, iss/],
      ['https://app.example.com/cb?code=1', /must not carry code, state, iss/],
      ['https://app.example.com/cb?error_description=x', /must not carry code, state, iss/],
      ['https://app.example.com/cb\r\nX: y', /contains spaces, control or non-ASCII characters/],
      ['https://app.example.com/c b', /contains spaces, control or non-ASCII characters/],
      ['https://app.example.com/cb#frag', /fragment/],
    ];
    for (const [uri, rule] of refused) {
      const res = await register({ redirect_uris: [uri] });
      assert.equal(res.status, 400, uri);
      const error = await readJson(res);
      assert.equal(error.error, 'invalid_redirect_uri', uri);
      assert.match(error.error_description, rule, uri);
    }
    assert.equal((await register({ redirect_uris: ['com.example.app:/oauth2redirect'] })).status, 201);
  });

  it('/favicon.ico: 204, cacheable, not a JSON 404', async () => {
    const res = await fetch(`${t.url}/favicon.ico`);
    assert.equal(res.status, 204);
    assert.match(res.headers.get('cache-control') ?? '', /max-age=\d+/);
    assert.equal(await res.text(), '');
  });
});
