import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { AuditLog } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import {
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
} from '../../common/oauth-errors';
import { tokenRequestResource } from '../../common/resource';
import { EnterpriseGrantStore } from '../../enterprise/enterprise-grant.store';
import { verifyIdJag } from '../../enterprise/id-jag';
import { trustedIdpIssuers } from '../../enterprise/trusted-idps';
import { idJagScopes } from '../../enterprise/id-jag-scopes';
import { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from '../../grants-directory/scope-grant-policy';
import { JwtIdRegistry } from '../../jose/jwt-id-registry';
import { RemoteJwksCache } from '../../jose/remote-jwks';
import { ENTERPRISE_SUBJECT_RESOLVER, type EnterpriseSubjectResolver } from '../../ports/enterprise-subject';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../../ports/scope-registry';
import { TokenIssuer, type TokenResponse } from '../token-issuer';
import type { GrantContext, GrantHandler } from './grant-handler';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const SUBJECT_REFUSALS = {
  email_domain_not_allowed: "The person's email domain is not allowed on this server",
  verified_email_required: 'This server needs a verified email address for the person',
  user_disabled: "The person's account on this server is disabled",
} as const;

/**
 * RFC 7523 §2.1 JWT bearer grant, for identity assertion grants (ID-JAG) from the company's trusted
 * IdPs (EXT-EMA-01..08). The client must authenticate (RFC 7521 §5.2 / extension §5); whether it may
 * present ID-JAGs at all (ENTERPRISE_IDP_CLIENTS) is the token endpoint's eligibility check. The ID-JAG is checked (enterprise/id-jag.ts); then, in one
 * transaction: its jti is used once (EXT-EMA-05), its subject becomes our user by the SSO rules, and
 * the grant, its access token and the audit event are written. No refresh token (EXT-EMA-07).
 */
@Injectable()
export class JwtBearerGrant implements GrantHandler {
  readonly grantType = JWT_BEARER_GRANT_TYPE;
  readonly parameters = ['assertion', 'scope', 'resource'] as const;
  private readonly logger = new Logger('JwtBearerGrant');

  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: RemoteJwksCache,
    private readonly jwtIds: JwtIdRegistry,
    private readonly store: EnterpriseGrantStore,
    private readonly issuer: TokenIssuer,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SCOPE_REGISTRY) private readonly scopes: ScopeRegistry,
    @Inject(SCOPE_GRANT_POLICY) private readonly scopePolicy: ScopeGrantPolicy,
    // Required: without identity's resolver the app does not boot (no subject, no grant).
    @Inject(ENTERPRISE_SUBJECT_RESOLVER) private readonly subjects: EnterpriseSubjectResolver,
  ) {}

  async handle({ client, param, ip }: GrantContext): Promise<TokenResponse> {
    // Extension §5 / RFC 7521 §5.2: the client presents its own credentials with the assertion.
    if (client.tokenEndpointAuthMethod === 'none') {
      throw new InvalidClientError('This grant needs client authentication; public clients cannot use it');
    }
    // Which clients may present one (ENTERPRISE_IDP_CLIENTS): TokenEndpoint checks it (grant-eligibility.ts).
    const assertion = param('assertion');
    if (!assertion) throw new InvalidRequestError('assertion is required');
    const requestedResource = tokenRequestResource(param('resource'), this.config.mcpResource, []);
    const jag = await verifyIdJag(
      assertion,
      {
        trustedIssuers: trustedIdpIssuers(this.config),
        audience: this.config.issuer,
        resource: this.config.mcpResource,
        clientId: client.clientId,
      },
      this.keys,
    ).catch((error: unknown) => this.refused(error, client.clientId));
    if (requestedResource !== null && requestedResource !== jag.resource) {
      throw new InvalidTargetError('resource differs from the one the assertion is for');
    }
    const scopes = idJagScopes(param('scope'), jag.scope, this.scopes);

    const minted = this.issuer.mint(false);
    const issueIn = async (manager: EntityManager): Promise<string[]> => {
      if (!(await this.jwtIds.useOnce(jag.issuer, jag.jti, jag.expiresAt, manager))) {
        throw new InvalidGrantError('The assertion has already been used', 'jti replay');
      }
      const subject = await this.subjects.resolve(manager, {
        issuer: jag.issuer,
        subject: jag.subject,
        email: jag.email,
        emailVerified: jag.emailVerified,
        name: jag.name,
      });
      if ('refused' in subject) throw new InvalidGrantError(SUBJECT_REFUSALS[subject.refused]);
      const allowed = await this.scopePolicy.grantable(subject.userId, scopes);
      if (allowed.length === 0) {
        throw new InvalidScopeError('None of the requested scopes may be granted to this person');
      }
      const grantId = await this.store.issue(manager, {
        userId: subject.userId,
        clientId: client.clientId,
        scopes: allowed,
        resource: jag.resource,
        issuer: jag.issuer,
        access: minted.access,
      });
      await this.audit.record(
        {
          type: 'token.issued',
          userId: subject.userId,
          clientId: client.clientId,
          grantId,
          ip,
          detail: { grantType: this.grantType, scopes: allowed, refreshToken: false, grantedBy: jag.issuer },
        },
        manager,
      );
      return allowed;
    };
    let issued: string[];
    try {
      try {
        issued = await this.dataSource.transaction(issueIn);
      } catch (error) {
        // Two first assertions of one new person at once race on the unique identity; the loser retries.
        if (!isUniqueViolation(error)) throw error;
        issued = await this.dataSource.transaction(issueIn);
      }
    } catch (error) {
      this.refused(error, client.clientId);
    }
    return this.issuer.response(minted, issued);
  }

  /** Logs a refusal (never the assertion) and passes it on. */
  private refused(error: unknown, clientId: string): never {
    if (error instanceof InvalidGrantError || error instanceof InvalidScopeError) {
      this.logger.log(
        `ID-JAG refused client=${clientId}: ${error.description}${error.detail ? ` (${error.detail})` : ''}`,
      );
    }
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}
