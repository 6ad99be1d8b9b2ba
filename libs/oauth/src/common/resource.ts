import { InvalidTargetError } from './oauth-errors';

/**
 * RFC 8707 resource indicators. This server issues tokens for two resources: the MCP endpoint (the
 * default, AS-RI-01..05) and the admin API (`<PUBLIC_URL>/api/admin`, the only resource the `admin`
 * scope is issued for). Absent → the MCP resource (AS-RI-05: the SDK sends none in its legacy
 * fallback); a known resource with or without a trailing slash → that resource (AS-RI-04); anything
 * else → null (invalid_target).
 */
export function resolveResource(
  requested: string | undefined,
  mcpResource: string,
  otherResources: readonly string[] = [],
): string | null {
  if (requested === undefined) return mcpResource;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return null;
  }
  // RFC 8707 §2: an absolute URI without a fragment.
  if (requested.includes('#')) return null;
  if (url.search !== '' || url.username) return null;
  // AS-RI-02: scheme and host are case-insensitive (URL lower-cases them); a trailing slash is equal.
  const path = url.pathname.replace(/\/+$/, '');
  for (const known of [mcpResource, ...otherResources]) {
    const canonical = new URL(known);
    if (url.origin === canonical.origin && path === canonical.pathname.replace(/\/+$/, '')) return known;
  }
  return null;
}

/** The scope of the admin API; issued only for the admin resource, never for /mcp. */
export const ADMIN_SCOPE = 'admin';

/**
 * Which of `scopes` a token for `resource` may carry: the admin resource carries `admin` only, every
 * other resource anything but `admin` (an admin token is never an MCP token, nor the reverse).
 */
export function scopesForResource(
  scopes: readonly string[],
  resource: string,
  adminResource: string,
): string[] {
  return resource === adminResource
    ? scopes.filter((s) => s === ADMIN_SCOPE)
    : scopes.filter((s) => s !== ADMIN_SCOPE);
}

/**
 * The `resource` parameter of a token request. RFC 8707 §2.2: without it the tokens stay on the
 * resource the code or grant was issued for (null here); one this server issues tokens for is that
 * resource; anything else is invalid_target.
 */
export function tokenRequestResource(
  requested: string | undefined,
  mcpResource: string,
  otherResources: readonly string[],
): string | null {
  if (requested === undefined) return null;
  const resource = resolveResource(requested, mcpResource, otherResources);
  if (!resource) throw new InvalidTargetError('resource is not a resource this server issues tokens for');
  return resource;
}
