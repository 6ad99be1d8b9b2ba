import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { tokenRequestResource } from '../../common/resource';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../../ports/scope-registry';
import { ClientGrantRepository } from '../../repositories/client-grant.repository';
import { TokenIssuer, type TokenResponse } from '../token-issuer';
import { clientCredentialsScopes } from './client-scope';
import type { GrantContext, GrantHandler } from './grant-handler';
import { ToolCoveragePolicy } from '../../tool-coverage/tool-coverage.policy';

/**
 * RFC 6749 §4.4 client credentials, for machine clients (EXT-CC-01/05/08):
 * confidential clients registered for the grant (token/grant-eligibility.ts checked it, after client
 * authentication: a secret or private_key_jwt). The token names the client, no person; no refresh token (§4.4.3). It is
 * bound to the MCP resource (RFC 8707): the admin API serves people only, so its resource is
 * invalid_target here. Registered only with CLIENT_CREDENTIALS_GRANT=true (oauth.module.ts).
 */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';
  readonly parameters = ['scope', 'resource'] as const;

  constructor(
    private readonly grants: ClientGrantRepository,
    private readonly issuer: TokenIssuer,
    private readonly audit: AuditLog,
    @Inject(SCOPE_REGISTRY) private readonly scopes: ScopeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly coverage: ToolCoveragePolicy,
  ) {}

  async handle({ client, param, ip }: GrantContext): Promise<TokenResponse> {
    const resource =
      tokenRequestResource(param('resource'), this.config.mcpResource, []) ?? this.config.mcpResource;
    const scopes = clientCredentialsScopes(param('scope'), client.scope, this.scopes);
    const minted = this.issuer.mint(false);
    const grantId = await this.grants.issue({
      clientId: client.clientId,
      scopes,
      resource,
      access: minted.access,
      ip,
      // EXT-RC-01: no person approves here; the administrator's registration is the approval, so the
      // grant covers what its scopes reach now (a tool added later is covered by the next grant).
      coveredTools: this.coverage.record(scopes),
    });
    this.audit.written({
      type: 'token.issued',
      userId: null,
      clientId: client.clientId,
      grantId,
      ip,
      detail: { grantType: this.grantType, scopes, refreshToken: false },
    });
    return this.issuer.response(minted, scopes);
  }
}
