import { SECRET_PREFIX } from '../common/secrets';

export type TokenTypeHint = 'access_token' | 'refresh_token';

/** RFC 7009 §2.1 / RFC 7662 §2.1: the hint only orders the search; an unknown one is ignored. */
export function parseTokenTypeHint(hint: string | undefined): TokenTypeHint | undefined {
  return hint === 'access_token' || hint === 'refresh_token' ? hint : undefined;
}

/**
 * RFC 7009 §2.1 / RFC 7662 §2.1: the hint (or, without one, the token's prefix) says which table to
 * search first; the other is searched too when the first has nothing.
 */
export function lookupOrder(token: string, hint: TokenTypeHint | undefined): TokenTypeHint[] {
  const kind = hint ?? (token.startsWith(SECRET_PREFIX.refreshToken) ? 'refresh_token' : 'access_token');
  return kind === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
}
