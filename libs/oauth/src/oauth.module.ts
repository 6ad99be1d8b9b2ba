import { Global, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { WebModule } from '@app/web';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AssertionAuthenticator } from './clients/assertion-authenticator';
import { ClientKeySource } from './clients/client-key-source';
import { ClientGrantRepository } from './repositories/client-grant.repository';
import { ClientCredentialsGrant } from './token/grants/client-credentials.grant';
import { AuthorizeController } from './authorize/authorize.controller';
import { AuthorizeService } from './authorize/authorize.service';
import { ClientAuthenticator } from './clients/client-authenticator';
import { CimdClientResolver } from './cimd/cimd-client.resolver';
import { CimdDocumentRepository } from './cimd/cimd-document.repository';
import { RegistrationController } from './clients/registration.controller';
import { RegistrationService } from './clients/registration.service';
import { OAuthBodyErrorHandler } from './common/body-error.handler';
import { oauthCors } from './common/cors.middleware';
import { OAuthHousekeeping } from './housekeeping';
import {
  fetchJson,
  JwtIdRegistry,
  REMOTE_JWKS_OPTIONS,
  RemoteJwksCache,
  type RemoteJwksOptions,
} from './jose';
import { AuthorizeExceptionFilter, OAuthJsonExceptionFilter } from './common/oauth-error.filters';
import { PendingAuthorizationDescriberService } from './pending-authorization-describer';
import { ACCESS_TOKEN_VERIFIER } from './ports/access-token-verifier';
import { PENDING_AUTHORIZATION_DESCRIBER } from './ports/pending-authorization';
import { USER_GRANT_REVOKER } from './ports/user-grants';
import { UserGrantRevokerService } from './user-grant-revoker';
import {
  ClientAdministration,
  GrantsDirectory,
  GrantsDirectoryRepository,
  GrantUsageRecorder,
} from './grants-directory';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimiter } from './rate-limit/rate-limiter';
import { ClientCache } from './clients/client-cache';
import { AuthorizationRequestRepository } from './repositories/authorization-request.repository';
import { ClientRepository } from './repositories/client.repository';
import { ConsentRepository } from './repositories/consent.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';
import { AccessTokenRepository } from './repositories/access-token.repository';
import { CodeRepository } from './repositories/code.repository';
import { ExpiredTokenPurge } from './repositories/expired-token-purge';
import { GrantRepository } from './repositories/grant.repository';
import { RefreshTokenRepository } from './repositories/refresh-token.repository';
import { AuthorizationCodeGrant } from './token/grants/authorization-code.grant';
import { GRANT_HANDLERS, type GrantHandler } from './token/grants/grant-handler';
import { RefreshTokenGrant } from './token/grants/refresh-token.grant';
import { JWT_BEARER_GRANT_TYPE, JwtBearerGrant } from './token/grants/jwt-bearer.grant';
import { trustedIdpIssuers } from './enterprise/trusted-idps';
import { EnterpriseGrantStore } from './enterprise/enterprise-grant.store';
import { IntrospectionController } from './token/introspection.controller';
import { IntrospectionService } from './token/introspection.service';
import { RevocationController } from './token/revocation.controller';
import { RevocationService } from './token/revocation.service';
import { TokenEndpoint } from './token/token-endpoint';
import { TokenRoute } from './token/token-route';
import { TokenIssuer } from './token/token-issuer';
import { ToolCoveragePolicy } from './tool-coverage/tool-coverage.policy';
import { ToolDeclarationLedger } from './tool-coverage/tool-declaration-ledger';
import { AccessTokenVerifierService } from './verification/access-token-verifier.service';
import { ResourceServerAuthenticator } from './verification/resource-server';
import { RevocationListener } from './verification/revocation-listener';

/** The grant registry (docs/architecture.md C3): adding a grant is one class here plus its file. */
const GRANT_HANDLER_CLASSES = [
  AuthorizationCodeGrant,
  RefreshTokenGrant,
  ClientCredentialsGrant,
  JwtBearerGrant,
];

/**
 * The authorization server. Global because McpModule takes ResourceServerAuthenticator from the global
 * scope (its unit spec builds one on fakes there); identity and account import it explicitly.
 */
@Global()
@Module({
  imports: [WebModule],
  controllers: [RegistrationController, AuthorizeController, RevocationController, IntrospectionController],
  providers: [
    ClientRepository,
    AuthorizationRequestRepository,
    ConsentRepository,
    GrantRepository,
    CodeRepository,
    AccessTokenRepository,
    RefreshTokenRepository,
    ExpiredTokenPurge,
    RateLimitRepository,
    RateLimitGuard,
    RateLimiter,
    ClientCache,
    OAuthJsonExceptionFilter,
    AuthorizeExceptionFilter,
    OAuthBodyErrorHandler,
    ClientAuthenticator,
    AssertionAuthenticator,
    ClientKeySource,
    ClientGrantRepository,
    CimdDocumentRepository,
    CimdClientResolver,
    RegistrationService,
    AuthorizeService,
    TokenIssuer,
    TokenEndpoint,
    TokenRoute,
    RevocationService,
    IntrospectionService,
    ...GRANT_HANDLER_CLASSES,
    {
      provide: GRANT_HANDLERS,
      // RFC 6749 §4.4 only with CLIENT_CREDENTIALS_GRANT=true, ID-JAGs (EXT-EMA-01) only with a trusted
      // company IdP; otherwise unsupported_grant_type.
      useFactory: (config: AppConfig, ...handlers: GrantHandler[]) =>
        handlers.filter(
          (h) =>
            (h.grantType !== 'client_credentials' || config.clientCredentialsGrant) &&
            (h.grantType !== JWT_BEARER_GRANT_TYPE || trustedIdpIssuers(config).length > 0),
        ),
      inject: [APP_CONFIG, ...GRANT_HANDLER_CLASSES],
    },
    RevocationListener,
    AccessTokenVerifierService,
    { provide: ACCESS_TOKEN_VERIFIER, useExisting: AccessTokenVerifierService },
    ResourceServerAuthenticator,
    OAuthHousekeeping,
    {
      provide: REMOTE_JWKS_OPTIONS,
      // GEN-04: https only; http from loopback hosts outside production (local test IdPs).
      useFactory: (config: AppConfig): RemoteJwksOptions => ({
        fetchJson: (url) => fetchJson(url, { allowInsecureLocalhost: !config.isProduction }),
      }),
      inject: [APP_CONFIG],
    },
    RemoteJwksCache,
    JwtIdRegistry,
    EnterpriseGrantStore,
    UserGrantRevokerService,
    { provide: USER_GRANT_REVOKER, useExisting: UserGrantRevokerService },
    PendingAuthorizationDescriberService,
    { provide: PENDING_AUTHORIZATION_DESCRIBER, useExisting: PendingAuthorizationDescriberService },
    GrantsDirectoryRepository,
    GrantUsageRecorder,
    GrantsDirectory,
    ClientAdministration,
    ToolDeclarationLedger,
    ToolCoveragePolicy,
  ],
  exports: [
    TokenRoute,
    RateLimiter,
    ACCESS_TOKEN_VERIFIER,
    // The one resource-server check, for /mcp and the admin API.
    ResourceServerAuthenticator,
    PENDING_AUTHORIZATION_DESCRIBER,
    USER_GRANT_REVOKER,
    GrantsDirectory,
    ClientAdministration,
    // The one PostgreSQL limiter, shared with the sign-in routes and /mcp (unknown bearer tokens).
    RateLimiter,
    RateLimitGuard,
    // EXT-RC-03: /mcp checks that a token's grant covers the tool it calls.
    ToolCoveragePolicy,
  ],
})
export class OAuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(oauthCors)
      .forRoutes(
        { path: 'api/oauth/revoke', method: RequestMethod.ALL },
        { path: 'api/oauth/register', method: RequestMethod.ALL },
        { path: 'api/oauth/register/*path', method: RequestMethod.ALL },
      );
  }
}
