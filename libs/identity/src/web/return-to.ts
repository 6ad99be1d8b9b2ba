const PROBE_ORIGIN = 'http://return-to.invalid';

/**
 * The only targets we ever redirect to after sign-in: a local path on our own origin. Anything else
 * (absolute URLs, scheme-relative `//host`, `/\host`, control characters that browsers strip, over-long
 * values) falls back to `/`, so `return_to` can never become an open redirect.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//')) return '/';
  // Backslashes act as slashes in browsers' URL parsing (`/\evil.com`); tabs and newlines are
  // removed by the URL parser (`/\t/evil.com`). Refuse both outright.
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return '/';
  let parsed: URL;
  try {
    parsed = new URL(value, PROBE_ORIGIN);
  } catch {
    return '/';
  }
  if (parsed.origin !== PROBE_ORIGIN) return '/';
  // Dot segments are resolved by the parser, so `/.//evil.com` becomes `//evil.com`: check the result
  // again, not only the input.
  const out = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  return out.startsWith('//') || out.startsWith('/\\') ? '/' : out;
}

/** The sign-in page URL that continues to `returnTo` afterwards. */
export function loginUrlFor(returnTo: string): string {
  const target = safeReturnTo(returnTo);
  return target === '/' ? '/login' : `/login?return_to=${encodeURIComponent(target)}`;
}
