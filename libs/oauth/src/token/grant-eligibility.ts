import { UnauthorizedClientError } from '../common/oauth-errors';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { NO_ID_JAG, type IdJagPolicy } from '../enterprise/trusted-idps';
import { JWT_BEARER_GRANT_TYPE } from './grants/jwt-bearer.grant';

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
 * (unsupported_grant_type), before the grant's handler reads anything else. ID-JAGs (EXT-EMA-04): with a
 * trusted company IdP, any client may present one, or only those ENTERPRISE_IDP_CLIENTS lists, whatever
 * its registered grant_types (client registration offers no jwt-bearer); that the client authenticates
 * with a secret is checked by the grant (invalid_client).
 */
export function requireGrantEligibility(
  client: OAuthClientEntity,
  grantType: string,
  idJag: IdJagPolicy = NO_ID_JAG,
): void {
  const eligible =
    grantType === 'refresh_token'
      ? mayReceiveRefreshToken(client)
      : grantType === JWT_BEARER_GRANT_TYPE
        ? idJag.enabled && (idJag.clients.length === 0 || idJag.clients.includes(client.clientId))
        : client.grantTypes.includes(grantType as never) &&
          // RFC 6749 §4.4, EXT-CC-01: client_credentials is for confidential clients only.
          (grantType !== 'client_credentials' || client.tokenEndpointAuthMethod !== 'none');
  if (!eligible && grantType === JWT_BEARER_GRANT_TYPE) {
    throw new UnauthorizedClientError('This client may not present identity assertion grants');
  }
  if (!eligible) {
    throw new UnauthorizedClientError(`This client is not registered for the ${grantType} grant`);
  }
}
