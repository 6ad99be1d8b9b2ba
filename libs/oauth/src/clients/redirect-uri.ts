/** Redirect URI rules for registration (RFC 7591 §2, RFC 8252, AS-PK-03) and matching (AS-PK-04). */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Schemes that must never be a redirect target: script execution, local files, other protocols, and
 * operating-system handlers known to have been abused to run code or fetch remote files when a browser
 * follows a redirect (Windows ms-msdt/search-ms/ms-officecmd, Java archives, SMB shares, iOS ad-hoc app
 * installation ...). Refused even before the reverse-domain rule so that the error names the reason.
 */
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
  'moz-extension:',
  'intent:',
  'jar:',
  'smb:',
  'nfs:',
  'afp:',
  'ldap:',
  'ldaps:',
  'telnet:',
  'ssh:',
  'gopher:',
  'ms-msdt:',
  'search-ms:',
  'search:',
  'ms-officecmd:',
  'ms-word:',
  'ms-excel:',
  'ms-powerpoint:',
  'ms-access:',
  'ms-settings:',
  'ms-appinstaller:',
  'ms-cxh:',
  'ms-cxh-full:',
  'ms-search:',
  'mk:',
  'its:',
  'ms-its:',
  'hcp:',
  'res:',
  'shell:',
  'itms-services:',
  'itms-apps:',
  'x-apple.systempreferences:',
  'steam:',
]);

/**
 * Single-label private-use schemes of widely used MCP hosts that were registered before the
 * reverse-domain rule below: refusing them would lock those hosts out. Nothing else without a dot.
 */
const KNOWN_HOST_SCHEMES = new Set(['vscode:', 'vscode-insiders:', 'cursor:']);

/**
 * RFC 9207 §2.4 / RFC 6749 §4.1.2: the authorization response adds these parameters to the redirect URI;
 * a registered URI that already carries one would yield duplicated parameters (and two `iss`, defeating the
 * mix-up defence).
 */
const RESPONSE_PARAMETERS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

export type RedirectUriProblem =
  | 'not_a_url'
  | 'fragment'
  | 'forbidden_scheme'
  | 'http_not_loopback'
  | 'userinfo'
  | 'too_long'
  | 'bad_characters'
  | 'response_parameter'
  | 'scheme_not_reverse_domain';

/** Whether a URI uses a private-use scheme (RFC 8252 §7.1), i.e. neither https nor http. */
export function isPrivateUseUri(uri: string): boolean {
  return !/^https?:/i.test(uri);
}

/**
 * Whether a URI may be registered: https; http only on a loopback host (RFC 8252 §7.3); or a
 * private-use scheme for native apps in reverse-domain form (RFC 8252 §7.1: `com.example.app:/cb`).
 * Never a fragment (RFC 6749 §3.1.2), never `javascript:`/`ms-msdt:` and friends, never user:password@,
 * never a control character, space or raw non-ASCII character (RFC 3986 §2: they are percent-encoded),
 * never a query parameter the authorization response itself adds (RFC 9207 §2.4).
 */
export function checkRedirectUri(uri: string): RedirectUriProblem | null {
  if (uri.length > 2000) return 'too_long';
  // Checked on the raw string: the URL parser silently strips tabs and newlines.
  if (!/^[\x21-\x7e]+$/.test(uri)) return 'bad_characters';
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
  for (const name of url.searchParams.keys()) {
    if (RESPONSE_PARAMETERS.includes(name)) return 'response_parameter';
  }
  if (scheme === 'https:') return url.hostname ? null : 'not_a_url';
  if (scheme === 'http:') return isLoopbackHost(url.hostname) ? null : 'http_not_loopback';
  // Private-use URI scheme: a single token of scheme characters (RFC 3986 §3.1) ...
  if (!/^[a-z][a-z0-9+.-]*:$/.test(scheme)) return 'not_a_url';
  // ... in reverse domain name form, so that it names something the app's publisher controls (RFC 8252 §7.1).
  if (!scheme.includes('.') && !KNOWN_HOST_SCHEMES.has(scheme)) return 'scheme_not_reverse_domain';
  return null;
}

export type ApplicationType = 'web' | 'native';

/**
 * OpenID Connect Dynamic Client Registration 1.0 §2 (`application_type`), as the MCP 2026-07-28 client
 * registration asks: a native client registers only private-use schemes or http loopback URIs; a web
 * client registers only https URIs, or http loopback ones for local development (the OIDC ban on
 * localhost concerns the implicit grant, which this server does not offer). Returns the rule broken.
 */
export function applicationTypeProblem(type: ApplicationType, uri: string): string | null {
  const url = new URL(uri);
  const loopback = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (type === 'native') {
    return loopback || isPrivateUseUri(uri)
      ? null
      : 'application_type native allows only private-use scheme (com.example.app:/cb) or http loopback redirect URIs (OpenID Connect Dynamic Client Registration §2)';
  }
  return url.protocol === 'https:' || loopback
    ? null
    : 'application_type web allows only https (or http loopback) redirect URIs; register a private-use scheme with application_type native (OpenID Connect Dynamic Client Registration §2)';
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
