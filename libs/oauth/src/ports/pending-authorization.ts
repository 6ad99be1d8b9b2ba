/**
 * Lets the sign-in page say which application the person is signing in for. OAuthModule implements
 * it; libs/identity injects it optionally (`@Optional() @Inject(PENDING_AUTHORIZATION_DESCRIBER)`).
 */
export interface PendingAuthorizationDescriber {
  /** For a `return_to` path that continues a stored authorization request: the client's display name. */
  describe(returnTo: string): Promise<{ clientName: string } | null>;
}

export const PENDING_AUTHORIZATION_DESCRIBER = Symbol('PENDING_AUTHORIZATION_DESCRIBER');
