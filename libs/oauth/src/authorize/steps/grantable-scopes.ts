import { InvalidScopeError } from '../../common/oauth-errors';
import type { SignedInUser } from '../../ports/signed-in-user';
import type { AuthorizeStepDependencies } from './authorize-step';

/**
 * RFC 6749 §3.3: the requested scopes this person may hold (SCOPE_GRANT_POLICY: `admin` for
 * administrators only); none at all is invalid_scope.
 */
export async function grantableOrRefuse(
  deps: AuthorizeStepDependencies,
  user: SignedInUser,
  scopes: readonly string[],
): Promise<string[]> {
  const grantable = [...(await deps.scopePolicy.grantable(user.id, scopes))];
  if (grantable.length === 0)
    throw new InvalidScopeError('None of the requested scopes can be granted to this user');
  return grantable;
}
