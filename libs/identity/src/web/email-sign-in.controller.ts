import { Body, Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PageRenderer } from '@app/web';
import { EMAIL_LINK_TTL, EmailSignInService, type EmailOutcome } from '../email/email-sign-in.service';
import { IdentityErrorFilter } from './identity-error.filter';
import { LoginCsrf } from './login-csrf';
import { loginUrlFor } from './return-to';
import { IDENTITY_VIEWS, SignInPages } from './sign-in-pages';

/** Sign-in by emailed link: ask for a link, open it, confirm it on another device (docs/sign-in-email.md). */
@Controller('auth/email')
@UseFilters(IdentityErrorFilter)
export class EmailSignInController {
  constructor(
    private readonly email: EmailSignInService,
    private readonly pages: PageRenderer,
    private readonly errors: SignInPages,
    private readonly csrf: LoginCsrf,
  ) {}

  @Post()
  async request(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    this.answer(req, res, await this.email.request(req, res, body));
  }

  @Get('link')
  async open(@Req() req: Request, @Res() res: Response, @Query('token') token: unknown): Promise<void> {
    this.answer(req, res, await this.email.open(req, res, token));
  }

  @Post('confirm')
  async confirm(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    this.answer(req, res, await this.email.confirm(req, res, body));
  }

  private answer(req: Request, res: Response, outcome: EmailOutcome): void {
    switch (outcome.kind) {
      case 'redirect':
        res.set('Cache-Control', 'no-store').redirect(303, outcome.url);
        return;
      case 'refused':
        if (outcome.retryAfterSeconds !== undefined)
          res.set('Retry-After', String(outcome.retryAfterSeconds));
        return this.errors.error(res, outcome.reason, outcome.returnTo);
      case 'sent':
        return this.pages.render(res, {
          viewsDir: IDENTITY_VIEWS,
          view: 'email-sent',
          title: 'Check your email',
          context: {
            email: outcome.email,
            minutes: EMAIL_LINK_TTL / 60,
            retryHref: loginUrlFor(outcome.returnTo),
          },
        });
      case 'confirm':
        return this.pages.render(res, {
          viewsDir: IDENTITY_VIEWS,
          view: 'email-confirm',
          title: 'Sign in on this device?',
          context: { email: outcome.email, token: outcome.token, csrf: this.csrf.tokenFor(req, res) },
        });
    }
  }
}
