import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@app/audit';
import { USER_GRANT_REVOKER, type UserGrantRevoker } from '@app/oauth';
import { LoginSessionRepository } from '../sessions/login-session.repository';
import { UpstreamTokenRepository } from '../upstream-tokens/upstream-token.repository';
import { UserRepository } from './user.repository';

export const AUDIT_USER_DISABLED = 'user.disabled';
export const AUDIT_USER_ENABLED = 'user.enabled';

export interface DisableResult {
  readonly found: boolean;
  readonly sessionsEnded: number;
  readonly grantsRevoked: number;
}

/**
 * Operator actions on a person. Disabling stops every way in at once: no new sign-in (AccountService
 * refuses disabled users), every browser session and stored upstream token deleted (UP-15), and — through OAuthModule's
 * USER_GRANT_REVOKER — every grant revoked with all replicas' token caches told. Idempotent: run it
 * again if the grant revocation failed after the user was marked disabled.
 */
@Injectable()
export class UserAdministration {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly sessions: LoginSessionRepository,
    private readonly audit: AuditLog,
    private readonly upstreamTokens: UpstreamTokenRepository,
    // Required (fails closed): without it disabling would revoke nothing, so a missing provider stops the boot.
    @Inject(USER_GRANT_REVOKER) private readonly grants: UserGrantRevoker,
  ) {}

  async disable(userId: string, reason = 'user_disabled'): Promise<DisableResult> {
    const local = await this.dataSource.transaction(async (manager) => {
      if (!(await this.users.setDisabled(manager, userId, true))) return null;
      const sessionsEnded = await this.sessions.deleteAllForUser(manager, userId);
      const upstreamTokens = await this.upstreamTokens.deleteAllForUser(userId, manager);
      await this.audit.record(
        { type: AUDIT_USER_DISABLED, userId, detail: { reason, sessionsEnded, upstreamTokens } },
        manager,
      );
      return { sessionsEnded };
    });
    if (!local) return { found: false, sessionsEnded: 0, grantsRevoked: 0 };
    const grantsRevoked = await this.grants.revokeAllForUser(userId, reason);
    return { found: true, sessionsEnded: local.sessionsEnded, grantsRevoked };
  }

  /** Lets the person sign in again (their revoked grants stay revoked: clients must authorize anew). */
  async enable(userId: string): Promise<boolean> {
    if (!(await this.users.setDisabled(this.dataSource.manager, userId, false))) return false;
    await this.audit.record({ type: AUDIT_USER_ENABLED, userId, detail: {} });
    return true;
  }
}
