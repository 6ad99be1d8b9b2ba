import { InvalidGrantError, InvalidScopeError } from '../common/oauth-errors';
import { ADMIN_SCOPE } from '../common/resource';
import { narrowScopes, parseScope } from '../common/scopes';
import type { ScopeRegistry } from '../ports/scope-registry';

/**
 * The scopes of a token issued for an ID-JAG (EXT-EMA-06): what the request asks for (RFC 7521 §4.1
 * `scope`; none → what the ID-JAG grants) that the ID-JAG's `scope` covers, with scope hierarchies
 * (RS-SC-06). An ID-JAG without `scope` leaves the request's (or the defaults) to this server's
 * policy. An ID-JAG naming a scope this server does not have is refused (`invalid_grant`, extension
 * §7.6.2); a request whose scopes the ID-JAG does not cover at all is `invalid_scope` (RFC 6749 §5.2).
 * `admin` is never issued for the MCP resource. The person's own limits (SCOPE_GRANT_POLICY) are
 * applied afterwards by the caller.
 */
export function idJagScopes(
  requestedParam: string | undefined,
  jagScope: string | undefined,
  registry: ScopeRegistry,
): string[] {
  const requested = parseScope(requestedParam);
  if (requested === 'malformed') throw new InvalidScopeError('scope is malformed');
  const known = new Set(registry.all().map((s) => s.name));
  let granted: string[] | undefined;
  if (jagScope !== undefined) {
    const parsed = parseScope(jagScope);
    if (parsed === 'malformed') throw new InvalidGrantError('The assertion has a malformed scope claim');
    const unknown = parsed.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      throw new InvalidGrantError(
        'The assertion grants scopes this server does not have',
        `unknown ${unknown.join(' ').slice(0, 200)}`,
      );
    }
    granted = parsed;
  }
  let scopes: string[];
  if (requested.length === 0) {
    scopes = granted ?? narrowScopes([], registry);
  } else {
    const supported = narrowScopes(requested, registry);
    if (supported.length === 0) throw new InvalidScopeError('None of the requested scopes is supported');
    const covered = granted === undefined ? undefined : registry.expand(granted);
    scopes = covered === undefined ? supported : supported.filter((s) => covered.has(s));
  }
  scopes = scopes.filter((s) => s !== ADMIN_SCOPE);
  if (scopes.length === 0) {
    throw new InvalidScopeError('The identity provider granted none of the requested scopes');
  }
  return scopes;
}
