/**
 * Some scopes may only be granted to some people (the `admin` scope only to administrators).
 * Another module (libs/account) provides this port; OAuthModule applies it where a grant and its
 * authorization code are stored, so a token can never carry a scope its user may not hold (RFC 6749
 * §3.3: the server may issue fewer scopes than requested; the token response's `scope` says which).
 */
export interface ScopeGrantPolicy {
  /** The subset of `scopes` this user may be granted (order kept). */
  grantable(userId: string, scopes: readonly string[]): Promise<string[]>;
}

export const SCOPE_GRANT_POLICY = Symbol('SCOPE_GRANT_POLICY');
