/**
 * RFC 8707 resource indicator for the one MCP resource this server protects (AS-RI-01..05).
 * Absent → the MCP resource (AS-RI-05: the SDK sends none in its legacy fallback); the MCP resource
 * with or without a trailing slash → the MCP resource (AS-RI-04); anything else → null (invalid_target).
 */
export function resolveResource(requested: string | undefined, mcpResource: string): string | null {
  if (requested === undefined) return mcpResource;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return null;
  }
  // RFC 8707 §2: an absolute URI without a fragment.
  if (requested.includes('#')) return null;
  const canonical = new URL(mcpResource);
  // AS-RI-02: scheme and host are case-insensitive (URL lower-cases them); a trailing slash is equal.
  const path = url.pathname.replace(/\/+$/, '');
  const expected = canonical.pathname.replace(/\/+$/, '');
  if (url.origin === canonical.origin && path === expected && url.search === '' && !url.username) {
    return mcpResource;
  }
  return null;
}
