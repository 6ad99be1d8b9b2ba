import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { LoginSessionService } from '@app/identity';
import type { UserEntity } from '@app/identity';

/**
 * Who may see what on the account pages: the signed-in person (from the login session) and whether
 * they are an administrator — a user whose email is upstream-verified AND listed in ADMIN_EMAILS
 * (a self-asserted dev-login address never is).
 */
@Injectable()
export class AccountAccess {
  private readonly admins: ReadonlySet<string>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: LoginSessionService,
  ) {
    this.admins = new Set(config.adminEmails);
  }

  async signedInUser(req: Request): Promise<UserEntity | null> {
    return (await this.sessions.current(req))?.user ?? null;
  }

  isAdmin(user: Pick<UserEntity, 'email' | 'emailVerified'>): boolean {
    return user.emailVerified && user.email !== null && this.admins.has(user.email.toLowerCase());
  }
}
