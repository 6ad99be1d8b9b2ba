/** What a resource server learns from a valid access token. */
export interface VerifiedAccessToken {
  /** The user's stable id (token `sub`); null for a client_credentials token (RFC 6749 §4.4: no person). */
  readonly userId: string | null;
  readonly clientId: string;
  readonly grantId: string;
  readonly scopes: readonly string[];
  /** RFC 8707 audience the token is bound to. */
  readonly audience: string;
  readonly expiresAt: Date;
}

export type AccessTokenRejection = 'missing' | 'invalid' | 'expired' | 'revoked' | 'wrong_audience';

export type AccessTokenCheck =
  | { readonly ok: true; readonly token: VerifiedAccessToken }
  | { readonly ok: false; readonly reason: AccessTokenRejection };

/**
 * Exported by OAuthModule for resource servers (libs/mcp). Checks a presented bearer token for
 * existence (by digest), expiry, revocation and audience (RFC 8707, MCP RS-TOK-03/04).
 */
export interface AccessTokenVerifier {
  verify(token: string | undefined, expectedAudience: string): Promise<AccessTokenCheck>;
  /**
   * The same check answered from this replica's memory only: null when the token is not held there (a
   * lookup would be needed). Lets a rate-limited caller keep serving known tokens without the database.
   */
  verifyCached?(token: string, expectedAudience: string): AccessTokenCheck | null;
}

export const ACCESS_TOKEN_VERIFIER = Symbol('ACCESS_TOKEN_VERIFIER');
