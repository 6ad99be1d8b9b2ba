import type { Request } from 'express';

export interface SignedInUser {
  readonly id: string;
  readonly email: string | null;
  readonly displayName: string;
  /** When this browser's sign-in happened (OpenID Connect Core auth_time: prompt=login, max_age). */
  readonly authTime: Date;
}

/**
 * "Who is the signed-in person of this browser request": the only thing OAuthModule needs from
 * sign-in. libs/identity implements it and provides it under SIGNED_IN_USER_RESOLVER.
 */
export interface SignedInUserResolver {
  resolve(request: Request): Promise<SignedInUser | null>;
  /** Local URL of the sign-in page that returns to `returnTo` (a local path) afterwards. */
  loginUrl(returnTo: string): string;
  /** An id that identifies the login session (for binding CSRF tokens), or null when signed out. */
  sessionBinding(request: Request): Promise<string | null>;
}

export const SIGNED_IN_USER_RESOLVER = Symbol('SIGNED_IN_USER_RESOLVER');
