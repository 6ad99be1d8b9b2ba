// Checks: RS-TOK-09 — the real server process, at LOG_LEVEL=trace, logs none of the secrets
// of a full OAuth flow and its error paths (client secret, registration token, code, verifier, tokens,
// consent CSRF token). The authorization-request handle travels in the sign-in URL and is not a
// credential (it only lets a signed-in person answer a request); its redaction is the access log's job.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseForms } from '../support/http-session';
import {
  authorizeInBrowser,
  obtainTokens,
  readJson,
  registerClient,
  tokenRequest,
} from '../support/oauth-flow';
import type { ServerProcess } from '../support/process';
import { startProcessApp, type ProcessApp } from '../support/process-app';

describe('OAuth secrets never reach the logs (RS-TOK-09)', () => {
  let app: ProcessApp;
  let server: ServerProcess;
  let url: string;
  before(async () => {
    app = await startProcessApp({ DEV_LOGIN: 'true', LOG_LEVEL: 'trace' });
    ({ server, url } = app);
  });
  after(async () => {
    await app.close();
  });

  it('a full flow plus replay, reuse and bad-credential errors leave no secret in the output', async () => {
    const secrets: string[] = [];
    const conf = await registerClient(url, { token_endpoint_auth_method: 'client_secret_post' });
    secrets.push(conf.client_secret!, conf.registration_access_token);
    const { tokens, client, session } = await obtainTokens(url, { email: 'logs@example.com' });
    secrets.push(client.registration_access_token, tokens.access_token, tokens.refresh_token!);

    // A consent page (its CSRF token), then a code replay.
    const page = await session.follow(
      `${url}/oauth/authorize?response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent(client.redirect_uris[0])}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256&prompt=consent`,
    );
    const form = parseForms(page.text).find((f) => f.action === '/oauth/authorize/decision');
    assert.ok(form);
    secrets.push(form.fields.csrf_token);
    const auth = await authorizeInBrowser(url, { email: 'logs@example.com', client, session });
    secrets.push(auth.code!, auth.verifier);
    const params = {
      grant_type: 'authorization_code',
      client_id: client.client_id,
      code: auth.code!,
      code_verifier: auth.verifier,
      redirect_uri: client.redirect_uris[0],
    };
    const first = await readJson(await tokenRequest(url, params));
    secrets.push(first.access_token, first.refresh_token);
    assert.equal((await readJson(await tokenRequest(url, params))).error, 'invalid_grant');

    // Refresh, then reuse; wrong secrets.
    const rotated = await readJson(
      await tokenRequest(url, {
        grant_type: 'refresh_token',
        client_id: client.client_id,
        refresh_token: tokens.refresh_token!,
      }),
    );
    secrets.push(rotated.access_token, rotated.refresh_token);
    await tokenRequest(url, {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: conf.client_id,
      client_secret: `${conf.client_secret}-wrong`,
    });
    await fetch(`${url}/api/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: client.client_id, token: rotated.refresh_token }),
    });
    await new Promise((r) => setTimeout(r, 300));

    const output = server.output();
    assert.ok(output.length > 1000, 'the server did log');
    for (const secret of secrets) {
      assert.ok(secret && secret.length >= 32);
      assert.ok(!output.includes(secret), `a secret (${secret.slice(0, 8)}…) appears in the logs`);
      assert.ok(
        !output.includes(secret.slice(-32)),
        `a fragment of a secret (${secret.slice(0, 8)}…) appears in the logs`,
      );
    }
  });
});
