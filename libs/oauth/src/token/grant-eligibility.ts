import { UnauthorizedClientError } from '../common/oauth-errors';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';

/**
 * Refresh tokens go to clients registered for refresh_token (public clients always are; AS-RT-05):
 * such a client may use the refresh_token grant, and the code grant issues it a refresh token.
 */
export function mayReceiveRefreshToken(client: OAuthClientEntity): boolean {
  return client.grantTypes.includes('refresh_token') || client.tokenEndpointAuthMethod === 'none';
}

/**
 * Who may use which grant (RFC 6749 §5.2 unauthorized_client), the one check: the token endpoint runs
 * it for every grant after client authentication (invalid_client) and the grant_type lookup
 * (unsupported_grant_type), before the grant's handler reads anything else.
 */
export function requireGrantEligibility(client: OAuthClientEntity, grantType: string): void {
  const eligible =
    grantType === 'refresh_token'
      ? mayReceiveRefreshToken(client)
      : client.grantTypes.includes(grantType as never);
  if (!eligible) {
    throw new UnauthorizedClientError(`This client is not registered for the ${grantType} grant`);
  }
}
