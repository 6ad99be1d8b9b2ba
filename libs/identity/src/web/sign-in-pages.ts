import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { PageRenderer } from '@app/web';
import type { SignInRefusal } from '../users/upstream-profile';
import { loginUrlFor } from './return-to';
import { SIGN_IN_ERRORS } from './sign-in-errors';

export const IDENTITY_VIEWS = join(__dirname, '..', 'views');

/** The error page every refused or failed sign-in ends on (no session, never a stack trace). */
@Injectable()
export class SignInPages {
  constructor(private readonly pages: PageRenderer) {}

  error(res: Response, reason: SignInRefusal, returnTo = '/'): void {
    const text = SIGN_IN_ERRORS[reason];
    this.pages.render(res, {
      viewsDir: IDENTITY_VIEWS,
      view: 'sign-in-error',
      title: text.heading,
      status: text.status,
      context: { ...text, reason, retryHref: loginUrlFor(returnTo) },
    });
  }
}
