import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { UserEntity } from '../entities/user.entity';
import { randomSecret, sameBytes, sha256 } from '../secrets';
import { IdentityCookies } from '../web/identity-cookies';
import { LoginSessionRepository } from './login-session.repository';

export interface CurrentSession {
  readonly sessionId: string;
  readonly user: UserEntity;
  /** When this session's sign-in happened (the database clock). */
  readonly signedInAt: Date;
}

/** Per-request memo so several lookups in one request cost one query. */
const resolved = new WeakMap<Request, Promise<CurrentSession | null>>();

/**
 * Browser login sessions: a 256-bit random id in the session cookie, its SHA-256 digest in
 * PostgreSQL with an expiry (any replica recognises it). A new id is issued at every sign-in and the
 * previous one deleted (no session fixation); sign-out deletes the row.
 */
@Injectable()
export class LoginSessionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: LoginSessionRepository,
    private readonly cookies: IdentityCookies,
  ) {}

  /**
   * Creates a session for `userId` inside the caller's transaction. Whatever session this browser
   * had before is deleted (rotation at sign-in). Call `setCookie` with the result once committed.
   */
  async start(
    req: Request,
    userId: string,
    provider: string,
    manager: EntityManager,
  ): Promise<{ sessionId: string; token: string }> {
    const previous = this.cookies.read(req, 'session');
    if (previous) await this.sessions.deleteByHash(sha256(previous), manager);
    const token = randomSecret();
    const sessionId = randomUUID();
    await this.sessions.insert(
      {
        id: sessionId,
        tokenHash: sha256(token),
        userId,
        provider,
        ttlSeconds: this.config.loginSessionTtl,
        ip: req.ip ?? null,
      },
      manager,
    );
    resolved.delete(req);
    return { sessionId, token };
  }

  setCookie(res: Response, token: string): void {
    this.cookies.write(res, 'session', token, this.config.loginSessionTtl);
  }

  /** Housekeeping after a sign-in: drops sessions that expired long ago (never blocks the caller). */
  sweepExpired(): void {
    this.sessions.deleteExpired().catch(() => undefined);
  }

  /** The session of this request (valid cookie, unexpired, user not disabled), or null. */
  current(req: Request): Promise<CurrentSession | null> {
    let pending = resolved.get(req);
    if (!pending) {
      pending = this.lookup(req);
      resolved.set(req, pending);
    }
    return pending;
  }

  /** Deletes this browser's session (if any) and clears the cookie. Returns the signed-out user's id. */
  async end(req: Request, res: Response): Promise<string | null> {
    const token = this.cookies.read(req, 'session');
    this.cookies.clear(res, 'session');
    resolved.delete(req);
    if (!token) return null;
    return this.sessions.deleteByHash(sha256(token));
  }

  private async lookup(req: Request): Promise<CurrentSession | null> {
    const token = this.cookies.read(req, 'session');
    if (!token) return null;
    const digest = sha256(token);
    const found = await this.sessions.findLive(digest);
    // The index lookup already matched the digest; the constant-time compare is the house rule for
    // every presented secret (docs/architecture.md: stored only as a digest, compared in constant time).
    if (!found || !sameBytes(found.tokenHash, digest)) return null;
    return { sessionId: found.sessionId, user: found.user, signedInAt: found.createdAt };
  }
}
