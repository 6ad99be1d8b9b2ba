/**
 * The one reading of `Authorization: Bearer` for every resource server of this process (/mcp, the admin
 * API, client configuration), so that they cannot drift apart.
 *
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, with
 * `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. The scheme is matched
 * case-insensitively (RFC 9110 §11.1); the separator is one or more spaces, never a tab or anything else
 * (RFC 9110 §11.4 allows only 1*SP before token68). The field value arrives without leading or trailing
 * whitespace (RFC 9110 §5.5; Node strips it), so none is accepted here.
 */
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The scheme is Bearer: the word not followed by another tchar (RFC 9110 §5.6.2), so `Bearerx` and
 * `Bearer-x` are other schemes while `Bearer`, `Bearer x` and `Bearer\tx` are (maybe malformed) Bearer.
 */
const BEARER_SCHEME = /^Bearer(?![\w!#$%&'*+.^`|~-])/i;

/**
 * RFC 6750 §3.1: no credentials at all, or credentials of another scheme ("the client ... attempted
 * using an unsupported authentication scheme"): the challenge carries no error code.
 */
export const NO_BEARER = Symbol('no bearer credentials');
/** The Bearer scheme with something that is not one b64token: `invalid_token` (RFC 6750 §3.1). */
export const MALFORMED_BEARER = Symbol('malformed bearer credentials');

export type BearerCredentials = string | typeof NO_BEARER | typeof MALFORMED_BEARER;

/** The presented token, or why there is none. Allocates nothing besides the token string itself. */
export function bearerToken(authorization: string | undefined): BearerCredentials {
  if (authorization === undefined || !BEARER_SCHEME.test(authorization)) return NO_BEARER;
  const match = BEARER_CREDENTIALS.exec(authorization);
  return match === null ? MALFORMED_BEARER : match[1];
}
