import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { inTransaction } from '@app/persistence';
import { InvalidRequestError } from '../common/oauth-errors';
import { digest, SECRET_PREFIX } from '../common/secrets';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { TokenRepository } from '../repositories/token.repository';
import { RevocationListener } from '../verification/revocation-listener';

export type TokenTypeHint = 'access_token' | 'refresh_token';

/** RFC 7009 §2.1 / RFC 7662 §2.1: the hint only orders the search; an unknown one is ignored. */
export function parseTokenTypeHint(hint: string | undefined): TokenTypeHint | undefined {
  return hint === 'access_token' || hint === 'refresh_token' ? hint : undefined;
}

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
export class RevocationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenRepository,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * RFC 7009 §2.1: revokes an access token (that token) or a refresh token (its whole grant). Unknown
   * tokens are not an error (§2.2); a token issued to another client is refused and not revoked.
   */
  async revoke(
    client: OAuthClientEntity,
    token: string,
    hint: TokenTypeHint | undefined,
    ip: string,
  ): Promise<void> {
    const hash = digest(token);
    for (const type of lookupOrder(token, hint)) {
      if (type === 'access_token') {
        const access = await this.tokens.findAccessToken(hash);
        if (!access) continue;
        this.requireOwner(access.clientId, client);
        await inTransaction(this.dataSource, async (manager) => {
          if (await this.tokens.revokeAccessToken(manager, access.id)) {
            await this.audit.record(
              {
                type: 'token.revoked',
                userId: access.userId,
                clientId: client.clientId,
                grantId: access.grantId,
                ip,
                detail: { tokenType: 'access_token' },
              },
              manager,
            );
          }
        });
        this.listener.deliverLocally({ kind: 'token', id: access.id });
        return;
      }
      const refresh = await this.tokens.findRefreshToken(hash);
      if (!refresh) continue;
      this.requireOwner(refresh.clientId, client);
      await inTransaction(this.dataSource, async (manager) => {
        if (await this.tokens.revokeGrant(manager, refresh.grantId, 'revoked_by_client')) {
          await this.audit.record(
            {
              type: 'token.revoked',
              userId: refresh.userId,
              clientId: client.clientId,
              grantId: refresh.grantId,
              ip,
              detail: { tokenType: 'refresh_token', grantRevoked: true },
            },
            manager,
          );
        }
      });
      this.listener.deliverLocally({ kind: 'grant', id: refresh.grantId });
      return;
    }
  }

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
        const access = await this.tokens.findAccessToken(hash);
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
          // RFC 7662 §2.2 `sub` is the resource owner: the client itself for client_credentials (RFC 6749 §4.4).
          sub: access.userId ?? access.clientId,
          aud: access.audience,
          iss: this.config.issuer,
          exp: seconds(access.expiresAt),
          iat: seconds(access.createdAt),
          token_type: 'Bearer',
        };
      }
      const refresh = await this.tokens.findRefreshToken(hash);
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

  private requireOwner(ownerClientId: string, client: OAuthClientEntity): void {
    if (ownerClientId !== client.clientId) {
      // RFC 7009 §2.1: the server verifies the token was issued to the requesting client; if not,
      // the request is refused and the token stays valid.
      throw new InvalidRequestError(
        'The token was not issued to this client',
        'revocation by another client',
      );
    }
  }
}

/**
 * RFC 7009 §2.1 / RFC 7662 §2.1: the hint (or, without one, the token's prefix) says which table to
 * search first; the other is searched too when the first has nothing.
 */
function lookupOrder(token: string, hint: TokenTypeHint | undefined): TokenTypeHint[] {
  const kind = hint ?? (token.startsWith(SECRET_PREFIX.refreshToken) ? 'refresh_token' : 'access_token');
  return kind === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
}
