// Checks: the cross-check with a strict, independent client (oauth4webapi): RFC 8414 discovery with
// issuer match (AS-MD-08), PKCE S256 (AS-PK-01/02), RFC 9207 `iss` validation of the authorization
// response (AS-PK-08), code exchange, refresh rotation (AS-RT-03), revocation and introspection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms } from '../support/http-session';
import { registerClient, type RegisteredClient } from '../support/oauth-flow';
import { submitDevLoginForm } from '../support/sign-in';

describe('OAuth server as seen by oauth4webapi', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  let registered: RegisteredClient;
  const insecure = { [oauth.allowInsecureRequests]: true } as const;

  before(async () => {
    t = await startTestApp();
    const issuer = new URL(t.config.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    registered = await registerClient(t.url, {
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
    });
  });
  after(async () => {
    await t.close();
  });

  it('discovery: issuer matches and the metadata advertises S256 and iss in authorization responses', () => {
    assert.equal(as.issuer, t.config.issuer);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
  });

  it('authorization code + PKCE + iss validation, code exchange, refresh rotation, introspection, revocation', async () => {
    const client: oauth.Client = { client_id: registered.client_id };
    const clientAuth = oauth.ClientSecretBasic(registered.client_secret!);
    const redirectUri = registered.redirect_uris[0];
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'notes:read',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: t.config.mcpResource,
    }).toString();

    const browser = new HttpSession(t.url);
    let step = await browser.follow(url.toString());
    step = await submitDevLoginForm(browser, step, { email: 'o4w@example.com' });
    const consent = parseForms(step.text).find((f) => f.action === '/oauth/authorize/decision');
    assert.ok(consent);
    step = await browser.submit(consent, step.url, { decision: 'allow' });
    assert.ok(step.externalRedirect);

    // RFC 9207: a response without iss, or with another iss, is refused by the client.
    const callback = new URL(step.externalRedirect);
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const forged = new URL(callback);
    forged.searchParams.set('iss', 'https://evil.example');
    assert.throws(() => oauth.validateAuthResponse(as, client, forged, state));
    const missing = new URL(callback);
    missing.searchParams.delete('iss');
    assert.throws(() => oauth.validateAuthResponse(as, client, missing, state));

    const tokenResponse = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, {
        ...insecure,
        additionalParameters: { resource: t.config.mcpResource },
      }),
    );
    assert.equal(tokenResponse.token_type, 'bearer');
    assert.equal(tokenResponse.scope, 'notes:read');
    assert.ok(tokenResponse.refresh_token);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokenResponse.refresh_token, {
        ...insecure,
        additionalParameters: { resource: t.config.mcpResource },
      }),
    );
    assert.notEqual(refreshed.refresh_token, tokenResponse.refresh_token);
    assert.notEqual(refreshed.access_token, tokenResponse.access_token);

    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure),
    );
    assert.equal(introspection.active, true);
    assert.equal(introspection.client_id, client.client_id);
    assert.equal(introspection.aud, t.config.mcpResource);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token!, insecure),
    );
    const after = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure),
    );
    assert.equal(after.active, false);

    // The rotated-away refresh token is refused with an OAuth error oauth4webapi understands.
    await assert.rejects(
      async () =>
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(
            as,
            client,
            clientAuth,
            tokenResponse.refresh_token!,
            insecure,
          ),
        ),
      (error: unknown) => error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant',
    );
  });

  it('an error redirect also carries iss and passes validation as an OAuth error', async () => {
    const client: oauth.Client = { client_id: registered.client_id };
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: registered.redirect_uris[0],
      response_type: 'code',
      state: 's1',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
      resource: 'https://elsewhere.example/mcp',
    }).toString();
    // A self-registered client, nobody interacted yet: the error comes as a page whose link back the
    // person follows (AS-PK-05); the URL it leads to is what the client receives.
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    const href = /id="return-link" href="([^"]+)"/.exec(await res.text())?.[1];
    assert.ok(href);
    const callback = new URL(href.replace(/&amp;/g, '&').replace(/&#x3D;/g, '='));
    assert.throws(
      () => oauth.validateAuthResponse(as, client, callback, 's1'),
      (error: unknown) =>
        error instanceof oauth.AuthorizationResponseError && error.error === 'invalid_target',
    );
  });
});
