import { InvalidGrantError, InvalidRequestError, InvalidTargetError } from '../../common/oauth-errors';
import { isValidCodeVerifier, s256 } from '../../common/pkce';
import type { TokenCondition } from './condition';

/** The stored state of an authorization code (and its grant), read when a redemption matched nothing. */
export interface CodeState {
  grantId: string;
  clientId: string;
  consumed: boolean;
  expired: boolean;
  redirectUri: string;
  redirectUriProvided: boolean;
  codeChallenge: string;
  resource: string;
  grantRevoked: boolean;
}

/** What a token request presents to redeem a code. */
export interface CodeRedemption {
  codeHash: Buffer;
  clientId: string;
  /** The S256 of the presented code_verifier. */
  codeChallenge: string;
  /** The redirect_uri sent with the token request, if any. */
  redirectUri: string | undefined;
  /** RFC 8707: the resource the token request names; null (not sent) = the code's own. */
  resource: string | null;
}

/** Placeholders of the redemption statement (aliases: `c` the code, `g` its grant). */
export type CodeParam = 'clientId' | 'codeChallenge' | 'redirectUri' | 'resource';

type CodeCondition = TokenCondition<CodeState, CodeRedemption, CodeParam>;

/** RFC 6749 §4.1.2 / §10.5: single use. Failing it is a replay: the grant handler revokes the grant. */
export const CODE_NOT_REDEEMED: CodeCondition = {
  name: 'code not redeemed',
  sql: () => 'c.consumed_at IS NULL',
  explain: (row) =>
    row.consumed
      ? new InvalidGrantError('The authorization code has already been used', 'code replay')
      : null,
};

const CODE_NOT_EXPIRED: CodeCondition = {
  name: 'code not expired',
  sql: () => 'c.expires_at > now()',
  explain: (row) => (row.expired ? new InvalidGrantError('The authorization code has expired') : null),
};

/** RFC 6749 §4.1.3: the code was issued to the authenticated client. */
const CLIENT_MATCHES: CodeCondition = {
  name: 'client matches',
  sql: (p) => `c.client_id = ${p.clientId}`,
  explain: (row, request) =>
    row.clientId !== request.clientId
      ? new InvalidGrantError('The authorization code was issued to another client', 'client mismatch')
      : null,
};

/** RFC 6749 §4.1.3: the same redirect_uri if it was sent at authorization. */
const REDIRECT_URI_MATCHES: CodeCondition = {
  name: 'redirect_uri matches',
  sql: (p) =>
    `c.redirect_uri = ${p.redirectUri}::text OR (${p.redirectUri}::text IS NULL AND NOT c.redirect_uri_provided)`,
  explain: (row, request) =>
    (request.redirectUri === undefined ? row.redirectUriProvided : request.redirectUri !== row.redirectUri)
      ? new InvalidGrantError('redirect_uri does not match the authorization request')
      : null,
};

/** RFC 7636 §4.6: S256(code_verifier) equals the stored code_challenge (AS-PK-01). */
const PKCE_VERIFIER_MATCHES: CodeCondition = {
  name: 'PKCE verifier matches',
  sql: (p) => `c.code_challenge = ${p.codeChallenge}`,
  explain: (row, request) =>
    request.codeChallenge !== row.codeChallenge
      ? new InvalidGrantError('PKCE verification failed: code_verifier does not match code_challenge')
      : null,
};

/** RFC 8707 §2.2: a resource named at the token endpoint is the one the code was issued for. */
const RESOURCE_MATCHES: CodeCondition = {
  name: 'resource matches',
  sql: (p) => `${p.resource}::text IS NULL OR c.resource = ${p.resource}::text`,
  explain: (row, request) =>
    request.resource !== null && row.resource !== request.resource
      ? new InvalidTargetError('resource differs from the one the code was issued for')
      : null,
};

const GRANT_NOT_REVOKED: CodeCondition = {
  name: 'grant not revoked',
  sql: () => 'g.revoked_at IS NULL',
  explain: (row) =>
    row.grantRevoked
      ? new InvalidGrantError('The authorization code is no longer valid', 'grant revoked')
      : null,
};

/** Every condition of a code redemption, in the order a failure is explained. */
export const CODE_REDEMPTION_CONDITIONS: readonly CodeCondition[] = [
  CODE_NOT_REDEEMED,
  CODE_NOT_EXPIRED,
  CLIENT_MATCHES,
  REDIRECT_URI_MATCHES,
  PKCE_VERIFIER_MATCHES,
  RESOURCE_MATCHES,
  GRANT_NOT_REVOKED,
];

/** When every condition holds on re-reading (the state changed in between), the code is still refused. */
export const CODE_NO_LONGER_VALID = () =>
  new InvalidGrantError('The authorization code is no longer valid', 'grant revoked');

/**
 * RFC 7636 §4.5: the code_verifier a token request must send (AS-PK-01: every code has a challenge),
 * well formed (§4.1); returns the S256 challenge the PKCE condition compares.
 */
export function presentedCodeChallenge(verifier: string | undefined): string {
  if (!verifier) throw new InvalidRequestError('code_verifier is required');
  if (!isValidCodeVerifier(verifier))
    throw new InvalidRequestError('code_verifier is malformed (RFC 7636 §4.1)');
  return s256(verifier);
}
