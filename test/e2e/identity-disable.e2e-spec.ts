// Checks the disabled users with the authorization server: disabling a person ends
// every browser session, revokes every grant through USER_GRANT_REVOKER (access and refresh tokens
// stop working: RS-TOK-02/03) and refuses new sign-ins; enabling lets them sign in again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UserAdministration } from '@app/identity';
import { ACCESS_TOKEN_VERIFIER, type AccessTokenVerifier } from '@app/oauth';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession } from '../support/http-session';
import { obtainTokens, readJson, tokenRequest } from '../support/oauth-flow';
import { signInWithDevLogin } from '../support/sign-in';

describe('identity: disabling a user', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('ends sessions, revokes grants, refuses sign-in; enabling restores sign-in only', async () => {
    const { tokens, client, session } = await obtainTokens(t.url, { email: 'leaver@corp.example' });
    const [{ id: userId }] = await t.dataSource.query<{ id: string }[]>(
      `SELECT id FROM users WHERE email = 'leaver@corp.example'`,
    );
    const verifier = t.app.get<AccessTokenVerifier>(ACCESS_TOKEN_VERIFIER);
    const before = await verifier.verify(tokens.access_token, t.config.mcpResource);
    assert.equal(before.ok, true);
    assert.match((await session.follow('/login')).text, /signed in as/);

    const admin = t.app.get(UserAdministration);
    const result = await admin.disable(userId, 'left the company');
    assert.deepEqual(result, { found: true, sessionsEnded: 1, grantsRevoked: 1 });

    assert.doesNotMatch((await session.follow('/login')).text, /signed in as/);
    assert.deepEqual(await verifier.verify(tokens.access_token, t.config.mcpResource), {
      ok: false,
      reason: 'revoked',
    });
    const refresh = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: client.client_id,
    });
    assert.equal(refresh.status, 400);
    assert.equal((await readJson(refresh)).error, 'invalid_grant');

    const again = await signInWithDevLogin(new HttpSession(t.url), { email: 'leaver@corp.example' });
    assert.equal(again.response.status, 403);
    assert.match(again.text, /data-reason="user_disabled"/);
    const events = await t.dataSource.query<{ type: string }[]>(
      `SELECT type FROM audit_events WHERE user_id = $1 AND type IN ('user.disabled', 'grant.revoked') ORDER BY id`,
      [userId],
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['user.disabled', 'grant.revoked'],
    );

    assert.equal(await admin.enable(userId), true);
    const back = new HttpSession(t.url);
    assert.equal((await signInWithDevLogin(back, { email: 'leaver@corp.example' })).response.status, 200);
    assert.equal((await verifier.verify(tokens.access_token, t.config.mcpResource)).ok, false);
  });

  it('an unknown user id is reported as not found', async () => {
    const admin = t.app.get(UserAdministration);
    assert.deepEqual(await admin.disable('00000000-0000-4000-8000-000000000000'), {
      found: false,
      sessionsEnded: 0,
      grantsRevoked: 0,
    });
    assert.equal(await admin.enable('00000000-0000-4000-8000-000000000000'), false);
  });
});
