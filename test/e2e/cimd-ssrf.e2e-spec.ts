// Checks issue #9 / SEC-04, AS-REG-06: with the development setting off (the production posture), a URL
// client_id that names or resolves to this machine is refused with invalid_client and no connection is made.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigValidationError } from '@app/config';
import { startTestApp, type TestApp } from '../support/app';
import { startDocumentServer, type DocumentServer } from '../support/cimd-document-server';
import { authorizeUrl, pkcePair, tokenRequest } from '../support/oauth-flow';

describe('metadata document fetches cannot be turned against the network', () => {
  let docs: DocumentServer;
  let tlsDocs: DocumentServer;
  let t: TestApp;

  before(async () => {
    docs = await startDocumentServer();
    tlsDocs = await startDocumentServer({ tls: true });
    t = await startTestApp(); // CIMD_ALLOW_INSECURE_LOCALHOST unset
  });
  after(async () => {
    await t.close();
    await docs.close();
    await tlsDocs.close();
  });

  async function refusedAtAuthorize(clientId: string, description: RegExp): Promise<void> {
    const res = await fetch(
      authorizeUrl(t.url, {
        client_id: clientId,
        redirect_uri: 'http://127.0.0.1:7777/callback',
        code_challenge: pkcePair().challenge,
      }),
      { redirect: 'manual' },
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    const html = await res.text();
    assert.match(html, /<code id="error-code">invalid_client<\/code>/);
    assert.match(/id="error-description">([^<]*)</.exec(html)?.[1] ?? '', description);
  }

  async function refusedAtToken(clientId: string, description: RegExp): Promise<void> {
    const res = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: clientId,
    });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_client');
    assert.match(body.error_description, description);
  }

  it('https://127.0.0.1/… and other literal internal addresses: refused before any connection', async () => {
    const port = new URL(tlsDocs.origin).port;
    tlsDocs.json('/x.json', {
      client_id: `https://127.0.0.1:${port}/x.json`,
      client_name: 'x',
      redirect_uris: ['https://a.example/cb'],
    });
    const before = tlsDocs.connections;
    await refusedAtAuthorize(
      `https://127.0.0.1:${port}/x.json`,
      /resolves to a loopback address, which this server does not fetch from/,
    );
    await refusedAtToken(`https://127.0.0.1:${port}/x.json`, /loopback address/);
    await refusedAtAuthorize(`https://[::1]:${port}/x.json`, /loopback address/);
    await refusedAtAuthorize(`https://[::ffff:127.0.0.1]:${port}/x.json`, /loopback address/);
    await refusedAtAuthorize('https://169.254.169.254/latest/meta-data.json', /link-local address/);
    await refusedAtAuthorize('https://10.0.0.1/client.json', /private address/);
    await refusedAtAuthorize('https://[fd00::1]/client.json', /private address/);
    await refusedAtAuthorize('https://0.0.0.0/client.json', /unspecified address/);
    assert.equal(tlsDocs.connections, before, 'no connection was attempted');
  });

  it('a host name that resolves to loopback (localhost) is refused too', async () => {
    const before = tlsDocs.connections;
    await refusedAtAuthorize(tlsDocs.url('/x.json'), /localhost.* resolves to a loopback address/);
    assert.equal(tlsDocs.connections, before);
  });

  it('http:// is refused without the development setting', async () => {
    const before = docs.connections;
    await refusedAtAuthorize(docs.url('/x.json'), /must use https/);
    await refusedAtToken(docs.url('/x.json'), /must use https/);
    assert.equal(docs.connections, before);
  });

  it('the refusals are audited as fetch outcomes', async () => {
    const rows = await t.dataSource.query<{ outcome: string }[]>(
      `SELECT detail->>'outcome' AS outcome FROM audit_events WHERE type = 'cimd.fetch' AND detail->>'url' = $1`,
      ['https://169.254.169.254/latest/meta-data.json'],
    );
    assert.deepEqual(
      rows.map((r) => r.outcome),
      ['blocked_address'],
    );
  });

  it('the development setting is refused in production', () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: 'production',
          PUBLIC_URL: 'https://mcp.example.com',
          SESSION_SECRET: 'x'.repeat(40),
          DEV_LOGIN: 'false',
          CIMD_ALLOW_INSECURE_LOCALHOST: 'true',
        }),
      (e: unknown) =>
        e instanceof ConfigValidationError &&
        e.problems.some((p) =>
          p.startsWith('CIMD_ALLOW_INSECURE_LOCALHOST=true is refused when NODE_ENV=production'),
        ),
    );
    assert.throws(() => loadConfig({ CIMD_ALLOWED_HOSTS: 'exa mple.com' }), ConfigValidationError);
    assert.deepEqual(loadConfig({ CIMD_ALLOWED_HOSTS: 'Example.com, .apps.example.org' }).cimd.allowedHosts, [
      'example.com',
      '.apps.example.org',
    ]);
  });
});
