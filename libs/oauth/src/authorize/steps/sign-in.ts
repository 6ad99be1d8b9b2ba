import type { SignedInUser } from '../../ports/signed-in-user';
import type { ValidatedAuthorization } from '../authorize-context';
import type { AuthorizeStepDependencies } from './authorize-step';

export const CONTINUE_PATH = '/oauth/authorize/continue';

/** The sign-in page, returning to the stored request afterwards. */
export function loginUrl(deps: AuthorizeStepDependencies, handle: string): string {
  return deps.resolver().loginUrl(`${CONTINUE_PATH}?request_id=${encodeURIComponent(handle)}`);
}

/**
 * OpenID Connect Core §3.1.2.1: the sign-in is fresh enough when it happened after this request was
 * stored (the person just signed in for it), or, without prompt=login, when it is at most max_age
 * seconds old (no max_age: any age).
 */
export function signInIsFresh(user: SignedInUser, auth: ValidatedAuthorization): boolean {
  if (auth.requestedAt && user.authTime.getTime() >= auth.requestedAt.getTime()) return true;
  if (auth.prompt.has('login')) return false;
  return auth.maxAge === null || Date.now() - user.authTime.getTime() <= auth.maxAge * 1000;
}
