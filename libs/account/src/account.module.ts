import { Global, Module } from '@nestjs/common';
import { IdentityModule } from '@app/identity';
import { OAuthModule, SCOPE_GRANT_POLICY } from '@app/oauth';
import { WebModule } from '@app/web';
import { AccountAccess } from './account-access';
import { AdminScopePolicy } from './admin-scope.policy';
import { AccountController } from './web/account.controller';
import { AdminApiController } from './web/admin-api.controller';
import { AdminClientsController } from './web/admin-clients.controller';

/**
 * Account pages — profile, "Connected apps" (revoke), recent activity — the
 * administrators' client list and its JSON API. Reads through OAuthModule's GrantsDirectory /
 * ClientAdministration and IdentityModule's session; owns no tables. Global so OAuthModule receives
 * SCOPE_GRANT_POLICY (who may hold the `admin` scope).
 */
@Global()
@Module({
  imports: [WebModule, OAuthModule, IdentityModule],
  controllers: [AccountController, AdminClientsController, AdminApiController],
  providers: [
    AccountAccess,
    AdminScopePolicy,
    { provide: SCOPE_GRANT_POLICY, useExisting: AdminScopePolicy },
  ],
  exports: [SCOPE_GRANT_POLICY],
})
export class AccountModule {}
