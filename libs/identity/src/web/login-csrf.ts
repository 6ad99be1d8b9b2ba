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
 * SESSION_SECRET_PREVIOUS is accepted for verification during a rollover (docs/operations.md).
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
    const presented = Buffer.from(token, 'base64url');
    // New tokens are always signed with SESSION_SECRET; during a rollover a form rendered before the
    // switch (signed with SESSION_SECRET_PREVIOUS) is still accepted. Every key is tried, so the time
    // taken does not tell which one matched.
    let valid = false;
    for (const key of [this.config.sessionSecret, ...this.config.previousSessionSecrets]) {
      if (sameBytes(presented, hmac(key, PURPOSE, seed))) valid = true;
    }
    return valid;
  }
}
