import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DataSource, QueryFailedError } from 'typeorm';
import { AuditLog } from '@app/audit';
import { LoginSessionRepository } from './sessions/login-session.repository';
import { LoginSessionService } from './sessions/login-session.service';
import { UpstreamTokenRepository } from './upstream-tokens/upstream-token.repository';
import { UpstreamTokenVault } from './upstream-tokens/upstream-token-vault';
import { AccessPolicy } from './users/access-policy';
import { AccountService } from './users/account.service';
import { SignInRefused, type SignInRefusal, type UpstreamProfile } from './users/upstream-profile';

export const AUDIT_SIGN_IN_SUCCEEDED = 'signin.succeeded';
export const AUDIT_SIGN_IN_REFUSED = 'signin.refused';
export const AUDIT_SIGN_OUT = 'signin.logout';

/**
 * The last step of every sign-in, whatever proved the identity: access policy, account resolution
 * (linking rule in AccountService), new login session, audit event — all in one transaction, so a
 * refused or failed sign-in leaves no user, identity or session behind.
 */
@Injectable()
export class SignInService {
  private readonly logger = new Logger('SignIn');

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: AccessPolicy,
    private readonly accounts: AccountService,
    private readonly sessions: LoginSessionService,
    private readonly audit: AuditLog,
    private readonly vault: UpstreamTokenVault,
    private readonly sessionRows: LoginSessionRepository,
    private readonly upstreamTokens: UpstreamTokenRepository,
  ) {}

  async complete(req: Request, res: Response, profile: UpstreamProfile): Promise<{ userId: string }> {
    try {
      this.policy.check(profile);
      const { userId, token } = await this.withRetryOnConflict(() => this.commit(req, profile));
      // Only after the commit: a rolled-back sign-in never hands out a cookie.
      this.sessions.setCookie(res, token);
      this.sessions.sweepExpired();
      return { userId };
    } catch (error) {
      if (error instanceof SignInRefused && !error.audited) {
        await this.refused(req, profile.provider, error.reason, error.detail);
        error.audited = true;
      }
      throw error;
    }
  }

  private commit(req: Request, profile: UpstreamProfile): Promise<{ userId: string; token: string }> {
    return this.dataSource.transaction(async (manager) => {
      const account = await this.accounts.resolve(manager, profile);
      const { sessionId, token } = await this.sessions.start(req, account.user.id, profile.provider, manager);
      if (profile.upstreamTokens) {
        await this.vault.store(manager, account.user.id, profile.provider, profile.upstreamTokens);
      }
      await this.audit.record(
        {
          type: AUDIT_SIGN_IN_SUCCEEDED,
          userId: account.user.id,
          ip: req.ip ?? null,
          detail: {
            provider: profile.provider,
            identityId: account.identityId,
            sessionId,
            newUser: account.createdUser,
            linked: account.linked,
          },
        },
        manager,
      );
      return { userId: account.user.id, token };
    });
  }

  /**
   * Two first sign-ins of the same identity at the same instant (double click, two tabs) race on
   * the unique (provider, issuer, subject) index; the loser retries once and finds the winner's row.
   */
  private async withRetryOnConflict<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const code =
        error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
      if (code !== '23505') throw error;
      return work();
    }
  }

  /** Records a refused sign-in (no session is created). A failing audit write never hides the page. */
  async refused(req: Request, provider: string, reason: SignInRefusal, detail?: string): Promise<void> {
    this.logger.log(
      `sign-in refused provider=${provider} reason=${reason}${detail ? ` detail=${detail}` : ''}`,
    );
    try {
      await this.audit.record({
        type: AUDIT_SIGN_IN_REFUSED,
        ip: req.ip ?? null,
        detail: { provider, reason },
      });
    } catch (error) {
      this.logger.error(`could not audit a refused sign-in: ${(error as Error).name}`);
    }
  }

  async signOut(req: Request, res: Response): Promise<void> {
    const userId = await this.sessions.end(req, res);
    if (userId) await this.audit.record({ type: AUDIT_SIGN_OUT, userId, ip: req.ip ?? null, detail: {} });
  }

  /**
   * Ends every browser session of the signed-in person and forgets their upstream tokens, in one
   * transaction (UP-15); their MCP grants stay (Connected apps revokes those). Returns false when no
   * one is signed in on this browser.
   */
  async signOutEverywhere(req: Request, res: Response): Promise<boolean> {
    const current = await this.sessions.current(req);
    await this.sessions.end(req, res);
    if (!current) return false;
    const userId = current.user.id;
    await this.dataSource.transaction(async (manager) => {
      const sessions = await this.sessionRows.deleteAllForUser(manager, userId);
      const upstream = await this.upstreamTokens.deleteAllForUser(userId, manager);
      await this.audit.record(
        {
          type: AUDIT_SIGN_OUT,
          userId,
          ip: req.ip ?? null,
          detail: { everywhere: true, sessions, upstream },
        },
        manager,
      );
    });
    return true;
  }
}
