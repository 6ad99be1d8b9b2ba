import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { clientMayRefresh } from '../../clients/client-authenticator';
import { InvalidGrantError, InvalidRequestError, InvalidTargetError } from '../../common/oauth-errors';
import { isValidCodeVerifier, s256 } from '../../common/pkce';
import { tokenRequestResource } from '../../common/resource';
import { digest } from '../../common/secrets';
import { TokenRepository } from '../../repositories/token.repository';
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
    private readonly tokens: TokenRepository,
    private readonly issuer: TokenIssuer,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle({ client, param, ip }: GrantContext): Promise<TokenResponse> {
    const code = param('code');
    if (!code) throw new InvalidRequestError('code is required');
    const verifier = param('code_verifier');
    // AS-PK-01: PKCE is required for every client, so every code has a challenge to meet.
    if (!verifier) throw new InvalidRequestError('code_verifier is required');
    if (!isValidCodeVerifier(verifier))
      throw new InvalidRequestError('code_verifier is malformed (RFC 7636 §4.1)');
    const resource = tokenRequestResource(param('resource'), this.config.mcpResource, [
      this.config.adminResource,
    ]);
    const redirectUri = param('redirect_uri');
    const codeHash = digest(code);

    // Redemption and issuance are one statement; the event commits with it.
    const minted = this.issuer.mint(clientMayRefresh(client));
    const redeemed = await this.tokens.redeemCodeAndIssue(
      { codeHash, clientId: client.clientId, codeChallenge: s256(verifier), redirectUri, resource },
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
    return this.explainFailure(codeHash, client.clientId, redirectUri, verifier, resource, ip);
  }

  /** Read only after the atomic UPDATE matched nothing: says why, and handles replay. */
  private async explainFailure(
    codeHash: Buffer,
    clientId: string,
    redirectUri: string | undefined,
    verifier: string,
    resource: string | null,
    ip: string,
  ): Promise<never> {
    const state = await this.tokens.findCodeState(codeHash);
    if (!state) throw new InvalidGrantError('The authorization code is invalid', 'unknown code');
    if (state.consumed) {
      // RFC 6749 §4.1.2 / §10.5: a used code presented again revokes every token of its grant.
      await revokeGrantOnReplay(
        { dataSource: this.dataSource, tokens: this.tokens, audit: this.audit, listener: this.listener },
        {
          type: 'code.replay_detected',
          reason: 'code_replay',
          grantId: state.grantId,
          clientId,
          ip,
        },
      );
      throw new InvalidGrantError('The authorization code has already been used', 'code replay');
    }
    if (state.expired) throw new InvalidGrantError('The authorization code has expired');
    if (state.clientId !== clientId) {
      throw new InvalidGrantError('The authorization code was issued to another client', 'client mismatch');
    }
    if (redirectUri === undefined ? state.redirectUriProvided : redirectUri !== state.redirectUri) {
      // RFC 6749 §4.1.3: the code is bound to the redirect_uri used at authorization.
      throw new InvalidGrantError('redirect_uri does not match the authorization request');
    }
    if (s256(verifier) !== state.codeChallenge) {
      throw new InvalidGrantError('PKCE verification failed: code_verifier does not match code_challenge');
    }
    if (resource !== null && state.resource !== resource) {
      throw new InvalidTargetError('resource differs from the one the code was issued for');
    }
    throw new InvalidGrantError('The authorization code is no longer valid', 'grant revoked');
  }
}
