import { Injectable } from '@nestjs/common';
import { UserRepository } from '@app/identity';
import { McpScopes } from '@app/mcp';
import { ADMIN_SCOPE, type ScopeGrantPolicy } from '@app/oauth';
import { AccountAccess } from './account-access';

/** The scope of the admin JSON API (/api/admin/clients); issued only for its resource (libs/oauth). */
export { ADMIN_SCOPE };

/**
 * Declares the `admin` scope (once, not a default) and tells OAuthModule who may hold it: only a user
 * who is an administrator (ADMIN_EMAILS + verified email) when the grant is stored. Anyone else's
 * grant is narrowed to the other scopes (RFC 6749 §3.3). The API checks admin status again per call.
 */
@McpScopes({
  [ADMIN_SCOPE]: { description: "Manage this server's registered clients (administrators only)" },
})
@Injectable()
export class AdminScopePolicy implements ScopeGrantPolicy {
  constructor(
    private readonly access: AccountAccess,
    private readonly users: UserRepository,
  ) {}

  async grantable(userId: string, scopes: readonly string[]): Promise<string[]> {
    if (!scopes.includes(ADMIN_SCOPE)) return [...scopes];
    const user = await this.users.findUser(userId);
    if (user && !user.disabled && this.access.isAdmin(user)) return [...scopes];
    return scopes.filter((s) => s !== ADMIN_SCOPE);
  }
}
