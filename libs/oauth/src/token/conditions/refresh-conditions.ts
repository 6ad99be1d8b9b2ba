import { InvalidGrantError, InvalidTargetError } from '../../common/oauth-errors';
import type { TokenCondition } from './condition';

/** The stored state of a refresh token (and its grant), read when a rotation matched nothing. */
export interface RefreshTokenState {
  id: string;
  grantId: string;
  clientId: string;
  userId: string;
  consumed: boolean;
  expired: boolean;
  grantRevoked: boolean;
  /** The grant's resource (RFC 8707): a live token presented for another resource is invalid_target. */
  resource: string;
  /** The successor issued at rotation (the context the grace response is sealed under). */
  replacedBy: string | null;
  /** The grant is older than GRANT_MAX_LIFETIME (counted from the person's approval). */
  grantExpired: boolean;
  /** Seconds since consumption (null when unconsumed). */
  consumedSecondsAgo: number | null;
  /** Whether the successor issued at rotation is still unused (the token was "just rotated"). */
  successorUnused: boolean;
  graceResponse: Buffer | null;
}

/** What a refresh request presents besides the token itself. */
export interface RefreshPresentation {
  clientId: string;
  /** The resource the request names (RFC 8707); null = the grant's own. */
  resource: string | null;
}

/** Placeholders of the rotation statements (aliases: `rt` the refresh token, `g` its grant). */
export type RefreshParam = 'clientId' | 'resource' | 'grantMaxLifetime';

type RefreshCondition = TokenCondition<RefreshTokenState, RefreshPresentation, RefreshParam>;

/** RFC 6749 §6: bound to the client it was issued to. Another client's attempt revokes nothing. */
const CLIENT_MATCHES: RefreshCondition = {
  name: 'client matches',
  sql: (p) => `rt.client_id = ${p.clientId}`,
  explain: (row, request) =>
    row.clientId !== request.clientId
      ? new InvalidGrantError('The refresh token is invalid', 'client mismatch')
      : null,
};

/**
 * AS-RT-03 / OAuth 2.1 §4.3.1: single use. Failing it is a retry inside the grace window
 * (graceRetryAllowed) or reuse, which revokes the whole grant (the refresh grant does both).
 */
export const REFRESH_NOT_CONSUMED: RefreshCondition = {
  name: 'refresh token not consumed',
  sql: () => 'rt.consumed_at IS NULL',
  explain: (row) =>
    row.consumed
      ? new InvalidGrantError('The refresh token has already been used', 'refresh token reuse')
      : null,
};

const GRANT_NOT_REVOKED: RefreshCondition = {
  name: 'grant not revoked',
  sql: () => 'g.revoked_at IS NULL',
  explain: (row) =>
    row.grantRevoked ? new InvalidGrantError('The refresh token has been revoked', 'grant revoked') : null,
};

/** GRANT_MAX_LIFETIME: an approval is good for so long, however often it is refreshed (consent again). */
const GRANT_WITHIN_MAX_LIFETIME: RefreshCondition = {
  name: 'grant within GRANT_MAX_LIFETIME',
  sql: (p) => `g.approved_at > now() - make_interval(secs => ${p.grantMaxLifetime})`,
  explain: (row) =>
    row.grantExpired
      ? new InvalidGrantError(
          'The authorization has reached its maximum lifetime; authorize again',
          'grant lifetime over',
        )
      : null,
};

const REFRESH_NOT_EXPIRED: RefreshCondition = {
  name: 'refresh token not expired',
  sql: () => 'rt.expires_at > now()',
  explain: (row) => (row.expired ? new InvalidGrantError('The refresh token has expired') : null),
};

/** AS-RI-03: the resource stays bound across refresh; a live token for another resource is invalid_target. */
const RESOURCE_MATCHES: RefreshCondition = {
  name: 'resource matches',
  sql: (p) => `${p.resource}::text IS NULL OR g.resource = ${p.resource}::text`,
  explain: (row, request) =>
    request.resource !== null && row.resource !== request.resource
      ? new InvalidTargetError("resource differs from the grant's resource")
      : null,
};

/** Every condition of a rotation, in the order a failure is explained. */
export const REFRESH_ROTATION_CONDITIONS: readonly RefreshCondition[] = [
  CLIENT_MATCHES,
  REFRESH_NOT_CONSUMED,
  GRANT_NOT_REVOKED,
  GRANT_WITHIN_MAX_LIFETIME,
  REFRESH_NOT_EXPIRED,
  RESOURCE_MATCHES,
];

/** When every condition holds on re-reading (the state changed in between), the token is still refused. */
export const REFRESH_NO_LONGER_VALID = () => new InvalidGrantError('The refresh token has expired');

/**
 * AS-RT-07: a consumed token presented again within REFRESH_TOKEN_REUSE_GRACE seconds of its rotation,
 * while its grant stands and its successor is unused, gets the sealed response again (not reuse).
 */
export function graceRetryAllowed(
  row: RefreshTokenState,
  grace: number,
): row is RefreshTokenState & { consumedSecondsAgo: number; graceResponse: Buffer } {
  return (
    !row.grantRevoked &&
    grace > 0 &&
    row.consumedSecondsAgo !== null &&
    row.consumedSecondsAgo <= grace &&
    row.successorUnused &&
    row.graceResponse !== null
  );
}
