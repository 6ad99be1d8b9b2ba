import { Module } from '@nestjs/common';
import { AccountAccess } from './account-access';
import { AccountController } from './web/account.controller';
import { AdminClientsController } from './web/admin-clients.controller';

/**
 * Issue #8: account pages — profile, "Connected apps" (revoke), recent activity — and the
 * administrators' client list. Reads through OAuthModule's GrantsDirectory / ClientAdministration and
 * IdentityModule's session; owns no tables.
 */
@Module({
  controllers: [AccountController, AdminClientsController],
  providers: [AccountAccess],
})
export class AccountModule {}
