export { IdentityModule } from './identity.module';
export { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from './schema';
export { LoginSessionService, type CurrentSession } from './sessions/login-session.service';
export { UserRepository } from './users/user.repository';
export { UserEntity } from './entities/user.entity';
export { UserIdentityEntity } from './entities/user-identity.entity';
export { safeReturnTo } from './web/return-to';
export { LoginCsrf } from './web/login-csrf';
export { UserAdministration, type DisableResult } from './users/user-administration.service';
// Extension point: add a sign-in provider from any module (docs/guide.md "Add a sign-in provider").
export { SignInProvider } from './providers/sign-in-provider.decorator';
export type { IdentityProviderDefinition } from './providers/identity-provider-definition';
export type { IdentityProvider, UpstreamRedirect, ConsumedAttempt } from './providers/identity-provider';
export { PassportIdentityProvider, UPSTREAM_TIMEOUT_MS } from './providers/passport-identity-provider';
export { AttemptContextStateStore } from './providers/attempt-context';
export { SignInRefused, type UpstreamProfile, type SignInRefusal } from './users/upstream-profile';
export {
  UpstreamConnections,
  AUDIT_UPSTREAM_DISCONNECTED,
  type UpstreamConnectionView,
} from './upstream-tokens/upstream-connections.service';
export type { UpstreamSignInNeeds } from './providers/identity-provider-definition';
export { SIGN_IN_CONFIG } from './config/sign-in.config';
export { EMAIL_LOGIN_CONFIG, type EmailLoginConfig } from './config/email-login.config';
export { GITHUB_CONFIG, type GithubProviderConfig } from './config/github.config';
export { GOOGLE_CONFIG, type GoogleProviderConfig } from './config/google.config';
export { OIDC_CONFIG, type OidcProviderConfig } from './config/oidc.config';
export { UPSTREAM_TOKEN_CONFIG } from './config/upstream-tokens.config';
