import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@app/audit';
import { inTransaction } from '@app/persistence';
import { InvalidRequestError } from '../common/oauth-errors';
import { digest } from '../common/secrets';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { AccessTokenRepository } from '../repositories/access-token.repository';
import { GrantRepository } from '../repositories/grant.repository';
import { RefreshTokenRepository } from '../repositories/refresh-token.repository';
import { RevocationListener } from '../verification/revocation-listener';
import { lookupOrder, type TokenTypeHint } from './token-lookup';

@Injectable()
export class RevocationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accessTokens: AccessTokenRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly grants: GrantRepository,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
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
        const access = await this.accessTokens.findAccessToken(hash);
        if (!access) continue;
        this.requireOwner(access.clientId, client);
        await inTransaction(this.dataSource, async (manager) => {
          if (await this.accessTokens.revokeAccessToken(manager, access.id)) {
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
      const refresh = await this.refreshTokens.findRefreshToken(hash);
      if (!refresh) continue;
      this.requireOwner(refresh.clientId, client);
      await inTransaction(this.dataSource, async (manager) => {
        if (await this.grants.revokeGrant(manager, refresh.grantId, 'revoked_by_client')) {
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
