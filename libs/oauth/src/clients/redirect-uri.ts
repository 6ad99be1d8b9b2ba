/** Redirect URI rules for registration (RFC 7591 §2, RFC 8252, AS-PK-03) and matching (AS-PK-04). */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Schemes that must never be a redirect target (script execution, local files, other protocols). */
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'blob:',
  'about:',
  'filesystem:',
  'view-source:',
  'ws:',
  'wss:',
  'ftp:',
  'mailto:',
  'tel:',
  'sms:',
  'chrome:',
  'chrome-extension:',
  'intent:',
]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

export type RedirectUriProblem =
  'not_a_url' | 'fragment' | 'forbidden_scheme' | 'http_not_loopback' | 'userinfo' | 'too_long';

/**
 * Whether a URI may be registered: https; http only on a loopback host (RFC 8252 §7.3); or a
 * private-use scheme for native apps (RFC 8252 §7.1: `vscode://…`, `com.example.app:/cb`). Never a
 * fragment (RFC 6749 §3.1.2), never `javascript:`/`data:` and friends, never user:password@.
 */
export function checkRedirectUri(uri: string): RedirectUriProblem | null {
  if (uri.length > 2000) return 'too_long';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'not_a_url';
  }
  if (uri.includes('#')) return 'fragment';
  const scheme = url.protocol.toLowerCase();
  if (FORBIDDEN_SCHEMES.has(scheme)) return 'forbidden_scheme';
  if (url.username || url.password) return 'userinfo';
  if (scheme === 'https:') return url.hostname ? null : 'not_a_url';
  if (scheme === 'http:') return isLoopbackHost(url.hostname) ? null : 'http_not_loopback';
  // Private-use URI scheme: a single token of scheme characters (RFC 3986 §3.1).
  return /^[a-z][a-z0-9+.-]*:$/.test(scheme) ? null : 'not_a_url';
}

/** Whether a registered loopback redirect URI lets the port vary (RFC 8252 §7.3). */
function loopbackUrl(uri: string): URL | null {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && isLoopbackHost(url.hostname) ? url : null;
  } catch {
    return null;
  }
}

/**
 * AS-PK-04: exact string match against a registered URI, except that for http loopback URIs the
 * port may differ (RFC 8252 §7.3, as the MCP SDK's reference AS does): scheme, host, path and query
 * must still match exactly. Returns the registered URI that matched, or null.
 */
export function matchRedirectUri(requested: string, registered: readonly string[]): string | null {
  for (const candidate of registered) {
    if (candidate === requested) return candidate;
  }
  if (requested.includes('#')) return null;
  const req = loopbackUrl(requested);
  if (!req) return null;
  for (const candidate of registered) {
    const reg = loopbackUrl(candidate);
    if (!reg) continue;
    // Compare everything but the port, on the raw strings' parsed parts (no normalisation beyond URL's).
    if (
      reg.hostname === req.hostname &&
      reg.pathname === req.pathname &&
      reg.search === req.search &&
      withoutPort(candidate) === withoutPort(requested)
    ) {
      return candidate;
    }
  }
  return null;
}

/** The string with its authority's ":port" removed, so that the rest must match byte for byte. */
function withoutPort(uri: string): string {
  return uri.replace(/^(http:\/\/(?:\[[^\]]*\]|[^/:?#]*))(?::\d*)?/i, '$1');
}
