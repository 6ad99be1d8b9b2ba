import {
  ArgumentsHost,
  Catch,
  HttpException,
  Injectable,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { TooManyRequestsError } from '@app/oauth';
import { isBadInputForDatabase } from '@app/persistence';
import { PageRenderer } from '@app/web';
import { SignInRefused } from '../users/upstream-profile';
import { IDENTITY_VIEWS, SignInPages } from './sign-in-pages';

/**
 * Last line of the sign-in pages: whatever escapes a handler becomes a plain error page. No stack
 * trace, no upstream message, no session (sessions are only created by a committed sign-in).
 */
@Catch()
@Injectable()
export class IdentityErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('SignInError');

  constructor(
    private readonly pages: PageRenderer,
    private readonly signInPages: SignInPages,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (error instanceof SignInRefused) return this.signInPages.error(res, error.reason);
    if (error instanceof TooManyRequestsError) {
      // RFC 6585 §4: 429 with Retry-After; a page, since a browser is on the other end.
      res.set({ ...error.headers, 'Cache-Control': 'no-store' });
      this.pages.render(res, {
        viewsDir: IDENTITY_VIEWS,
        view: 'sign-in-error',
        title: 'Too many attempts',
        status: 429,
        context: {
          heading: 'Too many attempts',
          message: `Too many sign-in attempts from your network. Wait ${error.retryAfterSeconds} seconds, then try again.`,
          reason: 'rate_limited',
          retryHref: '/login',
        },
      });
      return;
    }
    // PostgreSQL refused a value of the request (NUL, unpaired surrogate, out of range): bad input, a 400.
    const status =
      error instanceof HttpException ? error.getStatus() : isBadInputForDatabase(error) ? 400 : 500;
    if (status === 400 && !(error instanceof HttpException)) {
      this.logger.log('sign-in request refused: a value cannot be stored');
    }
    if (status >= 500) {
      this.logger.error(`sign-in page failed: ${error instanceof Error ? error.name : 'error'}`);
    }
    this.pages.render(res, {
      viewsDir: IDENTITY_VIEWS,
      view: 'sign-in-error',
      title: status >= 500 ? 'Something went wrong' : 'Request not understood',
      status,
      context: {
        heading: status >= 500 ? 'Something went wrong' : 'Request not understood',
        message:
          status >= 500
            ? 'The sign-in could not be completed because of a problem on our side. Please try again.'
            : 'This request could not be handled. Start again from the sign-in page.',
        reason: status >= 500 ? 'internal' : 'bad_request',
        retryHref: '/login',
      },
    });
  }
}
