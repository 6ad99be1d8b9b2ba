import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { isSecretShaped } from '../secrets';

export type IdentityCookie = 'session' | 'csrf' | 'login';

const BASE_NAMES: Record<IdentityCookie, string> = {
  /** The login session id (a 256-bit random value; the database holds its SHA-256 digest). */
  session: 'mcp_session',
  /** Double-submit CSRF seed for the sign-in and sign-out forms. */
  csrf: 'mcp_csrf',
  /** Binds an upstream sign-in attempt to the browser that started it (login-CSRF defence). */
  login: 'mcp_login',
};

/**
 * Every cookie this module sets: HttpOnly, SameSite=Lax, Path=/, and — when PUBLIC_URL is https —
 * Secure with the `__Host-` prefix (no Domain attribute, so no sibling host can plant or read it).
 * Values are never logged.
 */
@Injectable()
export class IdentityCookies {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  name(cookie: IdentityCookie): string {
    return this.config.secureCookies ? `__Host-${BASE_NAMES[cookie]}` : BASE_NAMES[cookie];
  }

  /** The cookie's value when it has the shape of one of our secrets; anything else is ignored. */
  read(req: Request, cookie: IdentityCookie): string | undefined {
    const cookies = req.cookies as Record<string, unknown> | undefined;
    const value = cookies?.[this.name(cookie)];
    return isSecretShaped(value) ? value : undefined;
  }

  /** Sets the cookie; `maxAgeSeconds` undefined makes it last for the browser session. */
  write(res: Response, cookie: IdentityCookie, value: string, maxAgeSeconds?: number): void {
    res.cookie(this.name(cookie), value, {
      ...this.options(),
      ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds * 1000 }),
    });
  }

  clear(res: Response, cookie: IdentityCookie): void {
    res.clearCookie(this.name(cookie), this.options());
  }

  private options(): CookieOptions {
    return { httpOnly: true, sameSite: 'lax', path: '/', secure: this.config.secureCookies };
  }
}
