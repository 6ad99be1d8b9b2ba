import type { Request } from 'express';
import type { UpstreamProfile } from '../users/upstream-profile';

/** What a provider hands back when it sends the browser upstream. Persisted server-side only. */
export interface UpstreamRedirect {
  /** The provider's authorization URL (carries our `state`, PKCE challenge and nonce). */
  readonly url: string;
  /** RFC 7636 verifier the token request must present, when the provider uses PKCE. */
  readonly codeVerifier: string | null;
  /** OIDC nonce the ID token must carry. */
  readonly nonce: string | null;
}

/** The stored secrets of the attempt a callback belongs to (already consumed, exactly matched). */
export interface ConsumedAttempt {
  readonly state: string;
  readonly codeVerifier: string | null;
  readonly nonce: string | null;
}

/**
 * One upstream sign-in method. Implementations wrap a Passport strategy; the controller only sees
 * this interface, and the list of providers comes from IDENTITY_PROVIDER_DEFINITIONS, so adding a
 * provider is adding one file and one line.
 */
export interface IdentityProvider {
  /** URL segment (`/auth/<key>`) and the `provider` column value. */
  readonly key: string;
  /** Button text: "Continue with <displayName>". */
  readonly displayName: string;
  /** Builds the upstream authorization URL for this attempt's `state`. */
  begin(req: Request, state: string): Promise<UpstreamRedirect>;
  /**
   * Completes the callback: code exchange (with the stored verifier/nonce), profile, provider rules
   * (e.g. GitHub organisations). Throws SignInRefused for a refused person or a failed upstream.
   */
  finish(req: Request, attempt: ConsumedAttempt): Promise<UpstreamProfile>;
}

export const IDENTITY_PROVIDERS = Symbol('IDENTITY_PROVIDERS');
