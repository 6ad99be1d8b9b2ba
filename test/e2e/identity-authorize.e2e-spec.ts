// Checks sign-in with the authorization server: an unauthenticated /oauth/authorize goes to
// the sign-in page, which names the pending client (PENDING_AUTHORIZATION_DESCRIBER); signing in with
// the fake GitHub returns to the stored authorization request and lands on its consent page. The
// upstream provider only proves identity; our tokens are ours (RS-TOK-06).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { startFakeGithub, type FakeGithub } from '../support/fake-providers/fake-github';
import { HttpSession } from '../support/http-session';
import { authorizeUrl, pkcePair, registerClient } from '../support/oauth-flow';
import { passThroughProvider, providerLink } from '../support/sign-in';

describe('identity: sign-in inside an authorization request', () => {
  let fake: FakeGithub;
  let t: TestApp;
  before(async () => {
    fake = await startFakeGithub();
    fake.currentUser = {
      id: 9001,
      login: 'consenting',
      name: 'Consenting Adult',
      emails: [{ email: 'consent@corp.example', primary: true, verified: true }],
    };
    t = await startTestApp({ env: fake.env() });
  });
  after(async () => {
    await t.close();
    await fake.stop();
  });

  it('login page names the client; GitHub sign-in returns to the consent page of that request', async () => {
    const client = await registerClient(t.url, { client_name: 'Pending Client <b>X</b>' });
    const s = new HttpSession(t.url);
    const login = await s.follow(
      authorizeUrl(t.url, { client_id: client.client_id, code_challenge: pkcePair().challenge, state: 's1' }),
    );
    const loginUrl = new URL(login.url);
    assert.equal(loginUrl.pathname, '/login');
    const returnTo = loginUrl.searchParams.get('return_to')!;
    assert.match(returnTo, /^\/[^/\\]/, 'a local continuation path');
    assert.match(login.text, /data-testid="client-name">Pending Client &lt;b&gt;X&lt;\/b&gt;</);

    const href = providerLink(login.text, 'github')!;
    assert.equal(href, `/auth/github?return_to=${encodeURIComponent(returnTo)}`);
    const started = await s.follow(href);
    const callback = await passThroughProvider(started.externalRedirect!);
    const consent = await s.follow(callback);
    assert.equal(consent.response.status, 200);
    assert.match(consent.text, /id="client-name">Pending Client &lt;b&gt;X&lt;\/b&gt;</);
    assert.match(consent.text, /Signed in as Consenting Adult \(consent@corp\.example\)/);
    assert.match(consent.text, /name="decision" value="allow"/);
  });
});
