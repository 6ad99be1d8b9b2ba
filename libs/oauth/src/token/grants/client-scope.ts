import { InvalidScopeError } from '../../common/oauth-errors';
import { ADMIN_SCOPE } from '../../common/resource';
import { narrowScopes, parseScope } from '../../common/scopes';
import type { ScopeRegistry } from '../../ports/scope-registry';

/**
 * The scopes of a client_credentials token (RFC 6749 §4.4.2, §3.3). The ceiling is what the client
 * registered (its `scope` metadata, with the scopes each implies), or the registry's defaults when it
 * registered none; `admin` is never in it, being a person's scope. A request names a part of the
 * ceiling (scopes outside it are dropped, RFC 6749 §3.3 lets the server grant fewer; none left →
 * invalid_scope); no `scope` → the whole ceiling.
 */
export function clientCredentialsScopes(
  requestedScope: string | undefined,
  registeredScope: string | null,
  registry: ScopeRegistry,
): string[] {
  const requested = parseScope(requestedScope);
  if (requested === 'malformed') throw new InvalidScopeError('scope is malformed');
  const registered = parseScope(registeredScope ?? undefined);
  const base = registered === 'malformed' || registered.length === 0 ? [...registry.defaults()] : registered;
  const ceiling = registry.expand(base.filter((s) => s !== ADMIN_SCOPE));
  const wanted = requested.length === 0 ? base : requested;
  const granted = narrowScopes(wanted, registry).filter((s) => s !== ADMIN_SCOPE && ceiling.has(s));
  if (granted.length === 0) {
    throw new InvalidScopeError(
      requested.length === 0
        ? 'This client is registered for no scope this server supports'
        : 'None of the requested scopes is one this client is registered for',
    );
  }
  return granted;
}
