import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { digest } from '../common/secrets';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { AccessTokenRepository } from '../repositories/access-token.repository';
import { RefreshTokenRepository } from '../repositories/refresh-token.repository';
import { lookupOrder, type TokenTypeHint } from './token-lookup';

/** RFC 7662 §2.2 introspection response. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  aud?: string;
  iss?: string;
  exp?: number;
  iat?: number;
  token_type?: string;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

@Injectable()
export class IntrospectionService {
  constructor(
    private readonly accessTokens: AccessTokenRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * RFC 7662: only about the caller's own tokens; anything else is simply inactive (§2.2 allows the
   * server to answer active=false rather than reveal more).
   */
  async introspect(
    client: OAuthClientEntity,
    token: string,
    hint: TokenTypeHint | undefined,
  ): Promise<IntrospectionResponse> {
    const hash = digest(token);
    for (const type of lookupOrder(token, hint)) {
      if (type === 'access_token') {
        const access = await this.accessTokens.findAccessToken(hash);
        if (!access) continue;
        if (
          access.clientId !== client.clientId ||
          access.revoked ||
          access.expiresAt.getTime() <= Date.now()
        ) {
          return { active: false };
        }
        return {
          active: true,
          scope: access.scopes.join(' '),
          client_id: access.clientId,
          // RFC 7662 §2.2 `sub` is the resource owner: the client itself for client_credentials (EXT-CC-06).
          sub: access.userId ?? access.clientId,
          aud: access.audience,
          iss: this.config.issuer,
          exp: seconds(access.expiresAt),
          iat: seconds(access.createdAt),
          token_type: 'Bearer',
        };
      }
      const refresh = await this.refreshTokens.findRefreshToken(hash);
      if (!refresh) continue;
      if (refresh.clientId !== client.clientId || !refresh.active) return { active: false };
      return {
        active: true,
        scope: refresh.scopes.join(' '),
        client_id: refresh.clientId,
        sub: refresh.userId,
        aud: refresh.resource,
        iss: this.config.issuer,
        exp: seconds(refresh.expiresAt),
        iat: seconds(refresh.createdAt),
      };
    }
    return { active: false };
  }
}
