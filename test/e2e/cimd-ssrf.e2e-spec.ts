// Checks SEC-04, AS-REG-06: with the development setting off (the production posture), a URL
// client_id that names or resolves to this machine is refused with invalid_client and no connection is made.
// The answer is one generic message whatever the reason (no network oracle); the reason is in the audit event.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError } from '@app/config';
import { loadAppConfig } from '../../apps/server/src/config-slices';
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

  const GENERIC =
    /^The client metadata document could not be retrieved; the application must publish it at its client_id URL over https$/;

  /** The newest cimd.fetch audit event's message for the URL (the details the page no longer shows). */
  async function auditedReason(clientId: string): Promise<string> {
    const rows = await t.dataSource.query<{ message: string }[]>(
      `SELECT detail->>'message' AS message FROM audit_events WHERE type = 'cimd.fetch' AND detail->>'url' = $1
       ORDER BY id DESC LIMIT 1`,
      [clientId],
    );
    return rows[0]?.message ?? '';
  }

  /** Refused with the generic message; the specific reason only in the audit event. */
  async function refusedQuietly(clientId: string, reason: RegExp, at: 'authorize' | 'token' = 'authorize') {
    if (at === 'authorize') await refusedAtAuthorize(clientId, GENERIC);
    else await refusedAtToken(clientId, GENERIC);
    assert.match(await auditedReason(clientId), reason);
  }

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
    await refusedQuietly(
      `https://127.0.0.1:${port}/x.json`,
      /resolves to a loopback address, which this server does not fetch from/,
    );
    await refusedQuietly(`https://127.0.0.1:${port}/x.json`, /loopback address/, 'token');
    await refusedQuietly(`https://[::1]:${port}/x.json`, /loopback address/);
    await refusedQuietly(`https://[::ffff:127.0.0.1]:${port}/x.json`, /loopback address/);
    await refusedQuietly('https://169.254.169.254/latest/meta-data.json', /link-local address/);
    await refusedQuietly('https://10.0.0.1/client.json', /private address/);
    await refusedQuietly('https://[fd00::1]/client.json', /private address/);
    await refusedQuietly('https://0.0.0.0/client.json', /unspecified address/);
    assert.equal(tlsDocs.connections, before, 'no connection was attempted');
  });

  it('a host name that resolves to loopback (localhost) is refused too', async () => {
    const before = tlsDocs.connections;
    await refusedQuietly(tlsDocs.url('/x.json'), /localhost.* resolves to a loopback address/);
    assert.equal(tlsDocs.connections, before);
  });

  it('http:// is refused without the development setting', async () => {
    const before = docs.connections;
    await refusedAtAuthorize(docs.url('/x.json'), /must use https/);
    await refusedAtToken(docs.url('/x.json'), /must use https/);
    assert.equal(docs.connections, before);
  });

  it('a host that does not resolve: the same generic message as every other fetch failure', async () => {
    await refusedQuietly('https://no-such-host.invalid/client.json', /does not resolve|could not be fetched/);
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
        loadAppConfig({
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
    assert.throws(() => loadAppConfig({ CIMD_ALLOWED_HOSTS: 'exa mple.com' }), ConfigValidationError);
    assert.deepEqual(
      loadAppConfig({ CIMD_ALLOWED_HOSTS: 'Example.com, .apps.example.org' }).cimd.allowedHosts,
      ['example.com', '.apps.example.org'],
    );
  });
});
