import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { hmac, randomSecret, sameBytes } from '../secrets';
import { IdentityCookies } from './identity-cookies';

const PURPOSE = 'identity-form-csrf';

/**
 * Signed double-submit CSRF tokens for the sign-in page's forms (dev login, sign out): the browser
 * holds a random seed in an HttpOnly SameSite=Lax cookie; the form carries HMAC(SESSION_SECRET, seed).
 * A cross-site page can neither read the seed nor make the browser send it with a cross-site POST.
 * Login CSRF (signing a victim into the attacker's account) needs this even before anyone is signed in.
 */
@Injectable()
export class LoginCsrf {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cookies: IdentityCookies,
  ) {}

  /** The token for this browser's forms, setting the seed cookie first when it has none. */
  tokenFor(req: Request, res: Response): string {
    let seed = this.cookies.read(req, 'csrf');
    if (!seed) {
      seed = randomSecret();
      this.cookies.write(res, 'csrf', seed);
    }
    return hmac(this.config.sessionSecret, PURPOSE, seed).toString('base64url');
  }

  verify(req: Request, token: unknown): boolean {
    const seed = this.cookies.read(req, 'csrf');
    if (!seed || typeof token !== 'string' || token.length > 128) return false;
    const expected = hmac(this.config.sessionSecret, PURPOSE, seed);
    return sameBytes(Buffer.from(token, 'base64url'), expected);
  }
}
