import { describeUpstreamError, UPSTREAM_TIMEOUT_MS } from '../providers/passport-identity-provider';
import type { UpstreamEndpoint } from './upstream-endpoints';

/** Tokens as a provider's token endpoint returns them (RFC 6749 §5.1), normalised. */
export interface UpstreamTokenSet {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  /** Seconds; null when the provider gives no expiry (the token lasts until revoked). */
  readonly expiresIn: number | null;
  /** GitHub's `refresh_token_expires_in` for expiring user tokens; null otherwise. */
  readonly refreshExpiresIn: number | null;
  /** Space-separated granted scopes ('' when the provider does not say). */
  readonly scopes: string;
}

export type RefreshOutcome =
  | { readonly kind: 'refreshed'; readonly tokens: UpstreamTokenSet }
  /** RFC 6749 §5.2 invalid_grant (GitHub: bad_refresh_token): the person must sign in again. */
  | { readonly kind: 'revoked' }
  /** The provider did not answer usefully; try again later (nothing is deleted). */
  | { readonly kind: 'failed'; readonly detail: string };

const seconds = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v > 0
    ? Math.min(Math.trunc(v), 10 * 365 * 86400)
    : typeof v === 'string' && /^\d{1,10}$/.test(v)
      ? seconds(Number(v))
      : null;

/** Reads a token response body; null when it carries no access token. */
export function toTokenSet(body: Record<string, unknown>): UpstreamTokenSet | null {
  if (typeof body.access_token !== 'string' || body.access_token.length === 0) return null;
  const scope = typeof body.scope === 'string' ? body.scope.replace(/,/g, ' ').trim() : '';
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : null,
    expiresIn: seconds(body.expires_in),
    refreshExpiresIn: seconds(body.refresh_token_expires_in),
    scopes: scope,
  };
}

/**
 * RFC 6749 §6: the refresh_token grant at the provider's token endpoint, client authenticated with
 * its secret in the body (what GitHub and Google accept). GitHub answers errors with status 200.
 */
export async function refreshUpstreamToken(
  endpoint: UpstreamEndpoint,
  refreshToken: string,
): Promise<RefreshOutcome> {
  let res: Response;
  try {
    res = await fetch(endpoint.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': 'mcp-auth-server',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: endpoint.clientId,
        client_secret: endpoint.clientSecret,
      }).toString(),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: 'failed', detail: describeUpstreamError(error) };
  }
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = await res.json();
    body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return { kind: 'failed', detail: `token endpoint answered ${res.status} without JSON` };
  }
  if (body.error === 'invalid_grant' || body.error === 'bad_refresh_token') return { kind: 'revoked' };
  const tokens = res.ok ? toTokenSet(body) : null;
  if (!tokens) {
    const code = typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : 'none';
    return { kind: 'failed', detail: `token endpoint answered ${res.status} (error ${code})` };
  }
  return { kind: 'refreshed', tokens };
}
