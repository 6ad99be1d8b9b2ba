import { InvalidScopeError } from '../../common/oauth-errors';
import { narrowScopes, parseScope } from '../../common/scopes';
import type { AuthorizeCheck } from '../authorize-context';

/**
 * RFC 6749 §3.3: requested scopes are narrowed to the supported ones; none requested → the defaults.
 * The client's registered scope does not limit the request (real clients register a narrower one).
 */
export const checkScope: AuthorizeCheck = {
  name: 'check_scope',
  run(ctx, deps) {
    const requested = parseScope(ctx.param('scope'));
    if (requested === 'malformed') throw new InvalidScopeError('scope is malformed');
    const scopes = narrowScopes(requested, deps.scopes);
    if (scopes.length === 0) throw new InvalidScopeError('None of the requested scopes is supported');
    ctx.scopes = scopes;
  },
};
