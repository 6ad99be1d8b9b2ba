import type { NextFunction, Request, Response } from 'express';

/** The CORS headers of every answer of the token, revocation and registration endpoints. */
export const OAUTH_CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'WWW-Authenticate, Retry-After',
};

/** What oauthCors adds to a CORS preflight answer (204). */
export const OAUTH_PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, MCP-Protocol-Version',
  'Access-Control-Max-Age': '86400',
};

/**
 * Whether `path` is one of the CORS-enabled endpoints: token (TokenRoute), revoke, register and
 * register/<client_id> (oauthCors, OAuthModule).
 */
export function isOAuthCorsPath(path: string): boolean {
  return (
    path === '/api/oauth/token' ||
    path === '/api/oauth/revoke' ||
    path === '/api/oauth/register' ||
    path.startsWith('/api/oauth/register/')
  );
}

/**
 * Browser-based MCP clients (e.g. the MCP Inspector) call registration, token and revocation from
 * another origin. These endpoints use no cookies, only client credentials in the request, so any
 * origin may call them (as the MCP SDK's reference server does). Introspection is server-to-server
 * and gets no CORS.
 */
export function oauthCors(req: Request, res: Response, next: NextFunction): void {
  res.set(OAUTH_CORS_HEADERS);
  if (req.method === 'OPTIONS') {
    res.status(204).set(OAUTH_PREFLIGHT_HEADERS).end();
    return;
  }
  next();
}
