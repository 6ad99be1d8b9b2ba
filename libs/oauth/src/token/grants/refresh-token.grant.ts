import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { inTransaction } from '@app/persistence';
import { clientMayRefresh } from '../../clients/client-authenticator';
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  UnauthorizedClientError,
} from '../../common/oauth-errors';
import { resolveResource } from '../../common/resource';
import { parseScope, scopesCovered } from '../../common/scopes';
import { digest, openWithSecret, sealWithSecret } from '../../common/secrets';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../../ports/scope-registry';
import { TokenRepository } from '../../repositories/token.repository';
import { RevocationListener } from '../../verification/revocation-listener';
import { TokenIssuer, type TokenResponse } from '../token-issuer';
import type { GrantContext, GrantHandler } from './grant-handler';

/**
 * RFC 6749 §6 with rotation on every use (OAuth 2.1 §4.3.1, AS-RT-03) and reuse detection: a consumed
 * refresh token presented again revokes the whole grant — except within REFRESH_TOKEN_REUSE_GRACE
 * seconds of its rotation, while its successor is still unused, where the retry gets the very same
 * response (AS-RT-07), decrypted with a key only the presented token yields.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';
  readonly parameters = ['refresh_token', 'scope', 'resource'] as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenRepository,
    private readonly issuer: TokenIssuer,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    @Inject(SCOPE_REGISTRY) private readonly scopeRegistry: ScopeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle({ client, param, ip }: GrantContext): Promise<TokenResponse> {
    if (!clientMayRefresh(client)) {
      throw new UnauthorizedClientError('This client is not registered for the refresh_token grant');
    }
    const refreshToken = param('refresh_token');
    if (!refreshToken) throw new InvalidRequestError('refresh_token is required');
    const requestedScopes = parseScope(param('scope'));
    if (requestedScopes === 'malformed') throw new InvalidScopeError('scope is malformed');
    const resource = resolveResource(param('resource'), this.config.mcpResource);
    if (!resource) throw new InvalidTargetError('resource is not a resource this server issues tokens for');
    const tokenHash = digest(refreshToken);
    const grace = this.config.tokens.refreshReuseGrace;

    const rotated = await inTransaction(this.dataSource, async (manager) => {
      const consumed = await this.tokens.consumeRefreshToken(manager, tokenHash, client.clientId);
      if (!consumed) return null;
      // Thrown errors roll the consumption back: a bad request does not burn the token.
      // AS-RI-03: the resource stays bound across refresh.
      if (consumed.resource !== resource)
        throw new InvalidTargetError("resource differs from the grant's resource");
      // RFC 6749 §6: the requested scope may only narrow what was originally granted.
      if (
        requestedScopes.length > 0 &&
        !scopesCovered(requestedScopes, consumed.grantScopes, this.scopeRegistry)
      ) {
        throw new InvalidScopeError('scope exceeds what was originally granted');
      }
      const scopes = requestedScopes.length > 0 ? requestedScopes : consumed.grantScopes;
      const issued = await this.issuer.issue(manager, {
        grantId: consumed.grantId,
        clientId: client.clientId,
        userId: consumed.userId,
        scopes,
        resource: consumed.resource,
        withRefreshToken: true,
      });
      const sealed =
        grace > 0 ? sealWithSecret(refreshToken, consumed.id, JSON.stringify(issued.response)) : null;
      await this.tokens.recordRotation(manager, consumed.id, issued.refreshTokenId!, sealed);
      await this.audit.record(
        {
          type: 'refresh.rotated',
          userId: consumed.userId,
          clientId: client.clientId,
          grantId: consumed.grantId,
          ip,
          detail: { scopes },
        },
        manager,
      );
      return issued.response;
    });
    if (rotated) return rotated;
    return this.afterMiss(refreshToken, tokenHash, client.clientId, grace, ip);
  }

  private async afterMiss(
    refreshToken: string,
    tokenHash: Buffer,
    clientId: string,
    grace: number,
    ip: string,
  ): Promise<TokenResponse> {
    const state = await this.tokens.findRefreshTokenState(tokenHash);
    if (!state) throw new InvalidGrantError('The refresh token is invalid', 'unknown refresh token');
    // RFC 6749 §6: bound to the client it was issued to. Another client's attempt revokes nothing.
    if (state.clientId !== clientId)
      throw new InvalidGrantError('The refresh token is invalid', 'client mismatch');
    if (!state.consumed) {
      if (state.grantRevoked)
        throw new InvalidGrantError('The refresh token has been revoked', 'grant revoked');
      throw new InvalidGrantError('The refresh token has expired');
    }

    // A consumed token presented again: a retry inside the grace window, or reuse (even after the
    // grant was revoked by an earlier reuse, so that every reuse is recorded).
    if (
      !state.grantRevoked &&
      grace > 0 &&
      state.consumedSecondsAgo !== null &&
      state.consumedSecondsAgo <= grace &&
      state.successorUnused &&
      state.graceResponse
    ) {
      const replay = openWithSecret(refreshToken, state.id, state.graceResponse);
      if (replay) {
        this.audit.recordInBackground({
          type: 'refresh.grace_replay',
          userId: state.userId,
          clientId,
          grantId: state.grantId,
          ip,
          detail: { secondsAfterRotation: Math.round(state.consumedSecondsAgo) },
        });
        return JSON.parse(replay) as TokenResponse;
      }
    }

    // AS-RT-03 / OAuth 2.1 §4.3.1: reuse of a rotated refresh token revokes the whole grant.
    await inTransaction(this.dataSource, async (manager) => {
      const revoked = await this.tokens.revokeGrant(manager, state.grantId, 'refresh_reuse');
      await this.audit.record(
        {
          type: 'refresh.reuse_detected',
          userId: state.userId,
          clientId,
          grantId: state.grantId,
          ip,
          detail: { grantRevoked: revoked, secondsAfterRotation: Math.round(state.consumedSecondsAgo ?? 0) },
        },
        manager,
      );
      if (revoked) {
        await this.audit.record(
          {
            type: 'grant.revoked',
            userId: state.userId,
            clientId,
            grantId: state.grantId,
            ip,
            detail: { reason: 'refresh_reuse' },
          },
          manager,
        );
      }
    });
    this.listener.deliverLocally({ kind: 'grant', id: state.grantId });
    throw new InvalidGrantError('The refresh token has already been used', 'refresh token reuse');
  }
}
