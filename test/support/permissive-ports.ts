import type { ScopeGrantPolicy } from '@app/oauth';

/**
 * Tests only: a SCOPE_GRANT_POLICY that lets anyone hold every requested scope, for tests that build
 * oauth's classes without libs/account. The port is required, so production must provide the real one.
 */
export const grantEveryScope: ScopeGrantPolicy = {
  grantable: (_userId, scopes) => Promise.resolve([...scopes]),
};
