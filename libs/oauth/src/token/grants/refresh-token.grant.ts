import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { InvalidGrantError, InvalidRequestError, InvalidScopeError } from '../../common/oauth-errors';
import { tokenRequestResource } from '../../common/resource';
import { formatScope, parseScope, scopesCovered } from '../../common/scopes';
import { digest, openWithSecret, sealWithSecret } from '../../common/secrets';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../../ports/scope-registry';
import { AccessTokenRepository } from '../../repositories/access-token.repository';
import { GrantRepository } from '../../repositories/grant.repository';
import { RefreshTokenRepository } from '../../repositories/refresh-token.repository';
import { firstFailure } from '../conditions/condition';
import {
  graceRetryAllowed,
  REFRESH_NO_LONGER_VALID,
  REFRESH_NOT_CONSUMED,
  REFRESH_ROTATION_CONDITIONS,
} from '../conditions/refresh-conditions';
import { RevocationListener } from '../../verification/revocation-listener';
import { revokeGrantOnReplay } from './revoke-on-replay';
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
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly accessTokens: AccessTokenRepository,
    private readonly grants: GrantRepository,
    private readonly issuer: TokenIssuer,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    @Inject(SCOPE_REGISTRY) private readonly scopeRegistry: ScopeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle({ client, param, ip }: GrantContext): Promise<TokenResponse> {
    // Which clients may use this grant: TokenEndpoint checks it (grant-eligibility.ts) before handle().
    const refreshToken = param('refresh_token');
    if (!refreshToken) throw new InvalidRequestError('refresh_token is required');
    const requestedScopes = parseScope(param('scope'));
    if (requestedScopes === 'malformed') throw new InvalidScopeError('scope is malformed');
    const resource = tokenRequestResource(param('resource'), this.config.mcpResource, [
      this.config.adminResource,
    ]);
    const tokenHash = digest(refreshToken);
    const grace = this.config.tokens.refreshReuseGrace;

    // RFC 6749 §6: a requested scope may only narrow what was originally granted; checked before the
    // token is consumed, so a bad request does not burn it (only when the token would be accepted).
    const scopes = requestedScopes.length > 0 ? requestedScopes : null;
    if (scopes) {
      const granted = await this.refreshTokens.liveRefreshGrantScopes(tokenHash, client.clientId, resource);
      if (granted && !scopesCovered(scopes, granted, this.scopeRegistry)) {
        throw new InvalidScopeError('scope exceeds what was originally granted');
      }
    }
    // Consumption, the new tokens and the sealed grace response in ONE statement.
    const minted = this.issuer.mint(true);
    const successor = minted.refresh!;
    const sealed =
      grace > 0
        ? sealWithSecret(
            refreshToken,
            successor.id,
            JSON.stringify({
              a: minted.accessToken,
              r: minted.refreshToken,
              e: minted.access.ttlSeconds,
              s: scopes,
            } satisfies SealedGrace),
          )
        : null;
    // The rotation and its audit event commit together: one statement (rotateRefreshToken).
    const consumed = await this.refreshTokens.rotateRefreshToken({
      tokenHash,
      clientId: client.clientId,
      resource, // AS-RI-03: the resource stays bound across refresh
      scopes,
      access: minted.access,
      successor,
      sealedResponse: sealed,
      ip,
    });
    if (consumed) {
      this.audit.written({
        type: 'refresh.rotated',
        userId: consumed.userId,
        clientId: client.clientId,
        grantId: consumed.grantId,
        ip,
        detail: { scopes: scopes ?? consumed.grantScopes },
      });
    }
    const rotated = consumed ? this.issuer.response(minted, scopes ?? consumed.grantScopes) : null;
    if (rotated) return rotated;
    return this.afterMiss(refreshToken, tokenHash, client.clientId, resource, grace, ip);
  }

  private async afterMiss(
    refreshToken: string,
    tokenHash: Buffer,
    clientId: string,
    resource: string | null,
    grace: number,
    ip: string,
  ): Promise<TokenResponse> {
    const state = await this.refreshTokens.findRefreshTokenState(tokenHash);
    if (!state) throw new InvalidGrantError('The refresh token is invalid', 'unknown refresh token');
    // The first of REFRESH_ROTATION_CONDITIONS the stored token fails says why the rotation missed.
    const failure = firstFailure(REFRESH_ROTATION_CONDITIONS, state, { clientId, resource });
    if (failure?.name !== REFRESH_NOT_CONSUMED.name) throw failure?.error ?? REFRESH_NO_LONGER_VALID();

    // A consumed token presented again: a retry inside the grace window, or reuse (even after the
    // grant was revoked by an earlier reuse, so that every reuse is recorded).
    if (graceRetryAllowed(state, grace)) {
      const replay = await this.openGrace(refreshToken, state.id, state.replacedBy, state.graceResponse);
      if (replay) {
        this.audit.recordInBackground({
          type: 'refresh.grace_replay',
          userId: state.userId,
          clientId,
          grantId: state.grantId,
          ip,
          detail: { secondsAfterRotation: Math.round(state.consumedSecondsAgo) },
        });
        return replay;
      }
    }

    // AS-RT-03 / OAuth 2.1 §4.3.1: reuse of a rotated refresh token revokes the whole grant.
    await revokeGrantOnReplay(
      { dataSource: this.dataSource, grants: this.grants, audit: this.audit, listener: this.listener },
      {
        type: 'refresh.reuse_detected',
        reason: 'refresh_reuse',
        grantId: state.grantId,
        userId: state.userId,
        clientId,
        ip,
        detail: { secondsAfterRotation: Math.round(state.consumedSecondsAgo ?? 0) },
      },
    );
    throw failure.error;
  }

  /**
   * The response a retry inside the grace window gets again, byte for byte: sealed at rotation under
   * the successor's id (the scope is read back from the issued access token when it was the grant's).
   * A response sealed by an earlier version (whole JSON, under the token's own id) still opens.
   */
  private async openGrace(
    refreshToken: string,
    id: string,
    successorId: string | null,
    sealed: Buffer,
  ): Promise<TokenResponse | null> {
    const opened = successorId ? openWithSecret(refreshToken, successorId, sealed) : null;
    if (!opened) {
      const legacy = openWithSecret(refreshToken, id, sealed);
      return legacy ? (JSON.parse(legacy) as TokenResponse) : null;
    }
    const grace = JSON.parse(opened) as SealedGrace;
    let scopes = grace.s;
    if (!scopes) {
      const access = await this.accessTokens.findAccessToken(digest(grace.a));
      if (!access) return null;
      scopes = access.scopes;
    }
    const response: TokenResponse = {
      access_token: grace.a,
      token_type: 'Bearer',
      expires_in: grace.e,
      scope: formatScope(scopes),
      refresh_token: grace.r,
    };
    return response;
  }
}

/** What the grace window keeps of a rotation's response (sealed): the two secrets and a narrowed scope. */
interface SealedGrace {
  a: string;
  r: string | undefined;
  e: number;
  s: readonly string[] | null;
}
