export { OAuthModule } from './oauth.module';
export { OAUTH_ENTITIES, OAUTH_MIGRATIONS } from './schema';
export { ADMIN_SCOPE } from './common/resource';
export { ASSERTION_SIGNING_ALGORITHMS } from './clients/client-keys';
export { TokenRoute } from './token/token-route';
export {
  ACCESS_TOKEN_VERIFIER,
  type AccessTokenVerifier,
  type AccessTokenCheck,
  type AccessTokenRejection,
  type VerifiedAccessToken,
} from './ports/access-token-verifier';
export { ResourceServerAuthenticator, type ResourceServerOutcome } from './verification/resource-server';
export {
  SCOPE_REGISTRY,
  type ScopeRegistry,
  type ScopeDefinition,
  type ToolDeclaration,
} from './ports/scope-registry';
export { ToolCoveragePolicy } from './tool-coverage/tool-coverage.policy';
export { ToolDeclarationLedger } from './tool-coverage/tool-declaration-ledger';
export type { CoveredTools, ScopeToolsRecord, ToolBaseline } from './tool-coverage/tool-coverage';
export {
  SIGNED_IN_USER_RESOLVER,
  type SignedInUserResolver,
  type SignedInUser,
} from './ports/signed-in-user';
export {
  PENDING_AUTHORIZATION_DESCRIBER,
  type PendingAuthorizationDescriber,
} from './ports/pending-authorization';
export { USER_GRANT_REVOKER, type UserGrantRevoker } from './ports/user-grants';
export {
  GrantsDirectory,
  ClientAdministration,
  type ConnectedApp,
  type ClientSummary,
  type DeleteOutcome,
  SCOPE_GRANT_POLICY,
  type ScopeGrantPolicy,
} from './grants-directory';
export {
  RateLimiter,
  rateLimitKeyOf,
  type RateLimitBucket,
  type RateLimitPolicy,
} from './rate-limit/rate-limiter';
export { RateLimitGuard, RateLimited } from './rate-limit/rate-limit.guard';
export { TooManyRequestsError } from './common/oauth-errors';
export {
  ENTERPRISE_SUBJECT_RESOLVER,
  type EnterpriseSubjectResolver,
  type EnterpriseSubject,
  type EnterpriseSubjectResolution,
  type EnterpriseSubjectRefusal,
} from './ports/enterprise-subject';
export { JWT_BEARER_GRANT_TYPE } from './token/grants/jwt-bearer.grant';
export { OAUTH_CONFIG } from './config/oauth.config';
export { CIMD_CONFIG } from './config/cimd.config';
export { ENTERPRISE_CONFIG } from './config/enterprise.config';
export { trustedIdpIssuers } from './enterprise/trusted-idps';
