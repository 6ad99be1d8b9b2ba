import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { CALLER_PROFILE_READER, UPSTREAM_TOKEN_PORT, UpstreamRequirements } from '@app/mcp';
import { ENTERPRISE_SUBJECT_RESOLVER, OAuthModule, SIGNED_IN_USER_RESOLVER } from '@app/oauth';
import { WebModule } from '@app/web';
import { IDENTITY_PROVIDERS, type IdentityProvider } from './providers/identity-provider';
import { IdentityProviderRegistry } from './providers/identity-provider-registry';
import { IDENTITY_PROVIDER_DEFINITIONS } from './providers';
import { UpstreamAttemptRepository } from './providers/upstream-attempt.repository';
import { AuthController } from './web/auth.controller';
import { LoginSessionRepository } from './sessions/login-session.repository';
import { LoginSessionService } from './sessions/login-session.service';
import { SessionUserResolver } from './sessions/session-user.resolver';
import { SignInService } from './sign-in.service';
import { UserAdministration } from './users/user-administration.service';
import { UpstreamSignInService } from './upstream-sign-in.service';
import { AccessPolicy } from './users/access-policy';
import { AccountService } from './users/account.service';
import { UserRepository } from './users/user.repository';
import { UserProfileReader } from './users/caller-profile.reader';
import { EnterpriseSubjectResolverService } from './users/enterprise-subject.resolver';
import { IdentityCookies } from './web/identity-cookies';
import { IdentityErrorFilter } from './web/identity-error.filter';
import { LoginController } from './web/login.controller';
import { LoginCsrf } from './web/login-csrf';
import { EmailLinkRepository } from './email/email-link.repository';
import { EmailSignInService } from './email/email-sign-in.service';
import { SignInMailer } from './email/sign-in-mailer';
import { EmailSignInController } from './web/email-sign-in.controller';
import { SignInPages } from './web/sign-in-pages';
import { UpstreamConnections } from './upstream-tokens/upstream-connections.service';
import { UpstreamTokenRepository } from './upstream-tokens/upstream-token.repository';
import { UpstreamTokenVault } from './upstream-tokens/upstream-token-vault';

/**
 * Who is the person in this browser: users, linked upstream identities, login sessions, the sign-in
 * page and the Passport-based providers, and the vault of upstream tokens. Global so
 * SIGNED_IN_USER_RESOLVER reaches OAuthModule and CALLER_PROFILE_READER and UPSTREAM_TOKEN_PORT
 * (ports of libs/mcp) reach the tool modules and McpModule.
 * Extra providers come from `@SignInProvider()` classes in any imported module (docs/guide.md).
 */
@Global()
@Module({
  imports: [DiscoveryModule, WebModule, OAuthModule],
  controllers: [LoginController, EmailSignInController, AuthController],
  providers: [
    {
      provide: IDENTITY_PROVIDERS,
      inject: [APP_CONFIG, UpstreamRequirements, UpstreamTokenVault],
      useFactory: (
        config: AppConfig,
        requirements: UpstreamRequirements,
        vault: UpstreamTokenVault,
      ): IdentityProvider[] =>
        IDENTITY_PROVIDER_DEFINITIONS.map((d) =>
          d.create(config, { scopes: requirements.scopesFor(d.key), keepTokens: vault.keeps(d.key) }),
        ).filter((p): p is IdentityProvider => p !== null),
    },
    IdentityProviderRegistry,
    UpstreamAttemptRepository,
    IdentityCookies,
    LoginCsrf,
    SignInPages,
    IdentityErrorFilter,
    UserRepository,
    AccountService,
    AccessPolicy,
    LoginSessionRepository,
    LoginSessionService,
    SessionUserResolver,
    SignInService,
    UserAdministration,
    UpstreamSignInService,
    EmailLinkRepository,
    SignInMailer,
    EmailSignInService,
    { provide: SIGNED_IN_USER_RESOLVER, useExisting: SessionUserResolver },
    UserProfileReader,
    { provide: CALLER_PROFILE_READER, useExisting: UserProfileReader },
    EnterpriseSubjectResolverService,
    { provide: ENTERPRISE_SUBJECT_RESOLVER, useExisting: EnterpriseSubjectResolverService },
    UpstreamTokenRepository,
    UpstreamTokenVault,
    { provide: UPSTREAM_TOKEN_PORT, useExisting: UpstreamTokenVault },
    UpstreamConnections,
  ],
  exports: [
    SIGNED_IN_USER_RESOLVER,
    ENTERPRISE_SUBJECT_RESOLVER,
    CALLER_PROFILE_READER,
    LoginSessionService,
    UserRepository,
    LoginCsrf,
    UserAdministration,
    UPSTREAM_TOKEN_PORT,
    UpstreamConnections,
  ],
})
export class IdentityModule {}
