import type { ScopeRegistry } from '../ports/scope-registry';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-delimited. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * OpenID Connect Core §11 `offline_access`: asks for a refresh token, not for a permission on the
 * resource. MCP 2026-07-28 (Refresh Tokens) lets clients add it when the authorization server metadata
 * lists it; it is never a resource scope (not in the protected-resource metadata, nor in a challenge).
 * Refresh tokens go to clients registered for the refresh_token grant whether or not it is sent.
 */
export const OFFLINE_ACCESS = 'offline_access';

/** The requested resource scopes, without duplicates and without `offline_access` (accepted, not granted). */
export function parseScope(scope: string | undefined): string[] | 'malformed' {
  if (scope === undefined) return [];
  const parts = scope.split(' ').filter((s) => s.length > 0);
  if (parts.some((p) => !SCOPE_TOKEN.test(p))) return 'malformed';
  return [...new Set(parts)].filter((p) => p !== OFFLINE_ACCESS);
}

/**
 * Narrows requested scopes to the ones the server supports (RFC 6749 §3.3 lets the AS grant fewer),
 * in the registry's order. No scope at all → the registry's defaults. Returns [] when something was
 * requested but none of it is supported (→ invalid_scope).
 */
export function narrowScopes(requested: readonly string[], registry: ScopeRegistry): string[] {
  if (requested.length === 0) return [...registry.defaults()];
  const wanted = new Set(requested);
  return registry
    .all()
    .map((s) => s.name)
    .filter((name) => wanted.has(name));
}

/** Whether `wanted` is covered by `granted` once scope hierarchies are taken into account (RS-SC-06). */
export function scopesCovered(
  wanted: readonly string[],
  granted: readonly string[],
  registry: ScopeRegistry,
): boolean {
  const have = registry.expand(granted);
  return wanted.every((s) => have.has(s));
}

export const formatScope = (scopes: readonly string[]): string => scopes.join(' ');
