import { InvalidRequestError, UnknownClientError } from '../../common/oauth-errors';
import { matchRedirectUri } from '../../clients/redirect-uri';
import type { OAuthClientEntity } from '../../entities/oauth-client.entity';
import type { StoredAuthorizationRequest } from '../../repositories/authorization-request.repository';
import type { ValidatedAuthorization } from '../authorize-context';
import type { AuthorizeStepDependencies } from './authorize-step';

/** An administrator disabled the client: shown on the page, never redirected (like check_client). */
export function disabledClient(client: OAuthClientEntity): UnknownClientError {
  return new UnknownClientError(
    'This application has been disabled by the administrator of this server',
    `client_id ${client.clientId} disabled`,
  );
}

/**
 * The stored request with its client as it is now: a client disabled since (RFC 6749 §5.2: it is
 * unknown) or whose registration no longer lists this redirect URI cannot finish it.
 */
export async function rehydrate(
  deps: AuthorizeStepDependencies,
  stored: StoredAuthorizationRequest,
): Promise<ValidatedAuthorization> {
  const client = await deps.clients.find(stored.clientId);
  if (!client) throw new InvalidRequestError('The client of this authorization request no longer exists');
  if (client.disabledAt) throw disabledClient(client);
  if (matchRedirectUri(stored.redirectUri, client.redirectUris) === null)
    throw new InvalidRequestError(
      'The application changed its registration since this request; start again from the application',
    );
  return {
    client,
    redirectUri: stored.redirectUri,
    redirectUriProvided: stored.redirectUriProvided,
    state: stored.state ?? undefined,
    codeChallenge: stored.codeChallenge,
    scopes: stored.scopes,
    resource: stored.resource,
    prompt: new Set((stored.prompt ?? '').split(' ').filter((p) => p.length > 0)),
    maxAge: stored.maxAge,
    requestedAt: stored.createdAt,
  };
}
