import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { InvalidGrantError, InvalidRequestError } from '../../common/oauth-errors';
import { tokenRequestResource } from '../../common/resource';
import { digest } from '../../common/secrets';
import { CodeRepository, type CodeRedemption } from '../../repositories/code.repository';
import { GrantRepository } from '../../repositories/grant.repository';
import { firstFailure } from '../conditions/condition';
import {
  CODE_NO_LONGER_VALID,
  CODE_NOT_REDEEMED,
  CODE_REDEMPTION_CONDITIONS,
  presentedCodeChallenge,
} from '../conditions/code-conditions';
import { mayReceiveRefreshToken } from '../grant-eligibility';
import { RevocationListener } from '../../verification/revocation-listener';
import { revokeGrantOnReplay } from './revoke-on-replay';
import { TokenIssuer, type TokenResponse } from '../token-issuer';
import type { GrantContext, GrantHandler } from './grant-handler';

/** RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5–4.6) and resource indicators (RFC 8707 §2.2). */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';
  readonly parameters = ['code', 'code_verifier', 'redirect_uri', 'resource'] as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly codes: CodeRepository,
    private readonly grants: GrantRepository,
    private readonly issuer: TokenIssuer,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle({ client, param, ip }: GrantContext): Promise<TokenResponse> {
    const code = param('code');
    if (!code) throw new InvalidRequestError('code is required');
    // AS-PK-01: PKCE is required for every client, so every code has a challenge to meet.
    const codeChallenge = presentedCodeChallenge(param('code_verifier'));
    const resource = tokenRequestResource(param('resource'), this.config.mcpResource, [
      this.config.adminResource,
    ]);
    const redemption: CodeRedemption = {
      codeHash: digest(code),
      clientId: client.clientId,
      codeChallenge,
      redirectUri: param('redirect_uri'),
      resource,
    };

    // Redemption and issuance are one statement; the event commits with it.
    const minted = this.issuer.mint(mayReceiveRefreshToken(client));
    const redeemed = await this.codes.redeemCodeAndIssue(
      redemption,
      minted.access,
      minted.refresh ?? null,
      ip,
    );
    if (redeemed) {
      this.audit.written({
        type: 'token.issued',
        userId: redeemed.userId,
        clientId: client.clientId,
        grantId: redeemed.grantId,
        ip,
        detail: { grantType: this.grantType, scopes: redeemed.scopes, refreshToken: !!minted.refresh },
      });
    }
    const issued = redeemed ? this.issuer.response(minted, redeemed.scopes) : null;
    if (issued) return issued;
    return this.explainFailure(redemption, ip);
  }

  /**
   * Read only after the atomic UPDATE matched nothing: the first of CODE_REDEMPTION_CONDITIONS the
   * stored code fails says why; a replay also revokes the grant.
   */
  private async explainFailure(redemption: CodeRedemption, ip: string): Promise<never> {
    const state = await this.codes.findCodeState(redemption.codeHash);
    if (!state) throw new InvalidGrantError('The authorization code is invalid', 'unknown code');
    const failure = firstFailure(CODE_REDEMPTION_CONDITIONS, state, redemption);
    if (failure?.name === CODE_NOT_REDEEMED.name) {
      // RFC 6749 §4.1.2 / §10.5: a used code presented again revokes every token of its grant.
      await revokeGrantOnReplay(
        { dataSource: this.dataSource, grants: this.grants, audit: this.audit, listener: this.listener },
        {
          type: 'code.replay_detected',
          reason: 'code_replay',
          grantId: state.grantId,
          clientId: redemption.clientId,
          ip,
        },
      );
    }
    throw failure?.error ?? CODE_NO_LONGER_VALID();
  }
}
