import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { formatScope } from '../common/scopes';
import { digest, newSecret } from '../common/secrets';
import type { PreparedToken } from '../repositories/prepared-token';

/** RFC 6749 §5.1 successful token response (AS-RT-08). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** Tokens minted in memory before the one statement that stores them. */
export interface MintedTokens {
  accessToken: string;
  access: PreparedToken;
  refreshToken?: string;
  refresh?: PreparedToken;
}

/** Mints opaque tokens (256-bit random, prefixed) and stores only their digests. */
@Injectable()
export class TokenIssuer {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Mints the secrets, ids and digests up front; the caller stores them in one statement. */
  mint(withRefreshToken: boolean): MintedTokens {
    const accessToken = newSecret('accessToken');
    const minted: MintedTokens = {
      accessToken,
      access: {
        id: randomUUID(),
        tokenHash: digest(accessToken),
        ttlSeconds: this.config.tokens.accessTokenTtl,
      },
    };
    if (withRefreshToken) {
      const refreshToken = newSecret('refreshToken');
      minted.refreshToken = refreshToken;
      minted.refresh = {
        id: randomUUID(),
        tokenHash: digest(refreshToken),
        ttlSeconds: this.config.tokens.refreshTokenTtl,
      };
    }
    return minted;
  }

  /** The RFC 6749 §5.1 response for minted tokens (members in the order `issue` sends them). */
  response(minted: MintedTokens, scopes: readonly string[]): TokenResponse {
    const response: TokenResponse = {
      access_token: minted.accessToken,
      token_type: 'Bearer',
      expires_in: minted.access.ttlSeconds,
      scope: formatScope(scopes),
    };
    if (minted.refreshToken !== undefined) response.refresh_token = minted.refreshToken;
    return response;
  }
}
