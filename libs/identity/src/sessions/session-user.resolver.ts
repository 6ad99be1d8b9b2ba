import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { SignedInUser, SignedInUserResolver } from '@app/oauth';
import { loginUrlFor } from '../web/return-to';
import { LoginSessionService } from './login-session.service';

/**
 * IdentityModule's answer to "who is the person in this browser", provided to the rest of the
 * product under SIGNED_IN_USER_RESOLVER (libs/oauth's port).
 */
@Injectable()
export class SessionUserResolver implements SignedInUserResolver {
  constructor(private readonly sessions: LoginSessionService) {}

  async resolve(request: Request): Promise<SignedInUser | null> {
    const session = await this.sessions.current(request);
    if (!session) return null;
    const { user } = session;
    return { id: user.id, email: user.email, displayName: user.displayName, authTime: session.signedInAt };
  }

  loginUrl(returnTo: string): string {
    return loginUrlFor(returnTo);
  }

  /** The session row id: stable for one sign-in, changes at the next one, never the cookie value. */
  async sessionBinding(request: Request): Promise<string | null> {
    return (await this.sessions.current(request))?.sessionId ?? null;
  }
}
