// Who may use which grant (AS-RT-05, EXT-EMA-04, RFC 6749 §5.2 unauthorized_client): one check for every grant.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UnauthorizedClientError } from '../common/oauth-errors';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { mayReceiveRefreshToken, requireGrantEligibility } from './grant-eligibility';

const client = (grantTypes: string[], method: string) =>
  ({ grantTypes, tokenEndpointAuthMethod: method }) as unknown as OAuthClientEntity;

describe('grant eligibility', () => {
  it('a grant the client registered is allowed; another is unauthorized_client', () => {
    requireGrantEligibility(client(['authorization_code'], 'client_secret_basic'), 'authorization_code');
    assert.throws(
      () => requireGrantEligibility(client(['refresh_token'], 'client_secret_basic'), 'authorization_code'),
      (e: Error) =>
        e instanceof UnauthorizedClientError &&
        e.description === 'This client is not registered for the authorization_code grant',
    );
  });

  it('client_credentials: registered confidential clients only (RFC 6749 §4.4, EXT-CC-01)', () => {
    requireGrantEligibility(client(['client_credentials'], 'private_key_jwt'), 'client_credentials');
    requireGrantEligibility(client(['client_credentials'], 'client_secret_basic'), 'client_credentials');
    for (const c of [
      client(['client_credentials'], 'none'),
      client(['authorization_code'], 'client_secret_basic'),
    ]) {
      assert.throws(() => requireGrantEligibility(c, 'client_credentials'), UnauthorizedClientError);
    }
  });

  it('refresh: registered confidential clients and every public client; other confidential ones not', () => {
    const confidential = client(['authorization_code'], 'client_secret_basic');
    assert.equal(mayReceiveRefreshToken(confidential), false);
    assert.throws(
      () => requireGrantEligibility(confidential, 'refresh_token'),
      (e: Error) =>
        e instanceof UnauthorizedClientError &&
        e.description === 'This client is not registered for the refresh_token grant',
    );
    assert.equal(mayReceiveRefreshToken(client(['authorization_code'], 'none')), true);
    requireGrantEligibility(client(['authorization_code'], 'none'), 'refresh_token');
    requireGrantEligibility(
      client(['authorization_code', 'refresh_token'], 'client_secret_post'),
      'refresh_token',
    );
  });

  it('jwt-bearer (ID-JAG): nobody without a trusted IdP; then every client, or the listed ones', () => {
    const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const agent = {
      ...client(['authorization_code'], 'client_secret_basic'),
      clientId: 'agent',
    };
    const refused = (e: Error) =>
      e instanceof UnauthorizedClientError &&
      e.description === 'This client may not present identity assertion grants';
    assert.throws(() => requireGrantEligibility(agent, jwtBearer), refused);
    assert.throws(() => requireGrantEligibility(agent, jwtBearer, { enabled: false, clients: [] }), refused);
    requireGrantEligibility(agent, jwtBearer, { enabled: true, clients: [] });
    requireGrantEligibility(agent, jwtBearer, { enabled: true, clients: ['agent'] });
    assert.throws(
      () => requireGrantEligibility(agent, jwtBearer, { enabled: true, clients: ['other'] }),
      refused,
    );
  });
});
