import { Controller, Get, Param, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RateLimitGuard, RateLimited } from '@app/oauth';
import { UpstreamSignInService, type UpstreamOutcome } from '../upstream-sign-in.service';
import { IdentityErrorFilter } from './identity-error.filter';
import { SignInPages } from './sign-in-pages';

/** GET /auth/:provider sends the browser to the provider; GET /auth/:provider/callback completes the sign-in. */
@Controller('auth')
@UseFilters(IdentityErrorFilter)
export class AuthController {
  constructor(
    private readonly upstream: UpstreamSignInService,
    private readonly pages: SignInPages,
  ) {}

  /** Each call writes a sign-in attempt row, so it is counted per client IP like /oauth/authorize. */
  @Get(':provider')
  @UseGuards(RateLimitGuard)
  @RateLimited('sign_in')
  async start(
    @Req() req: Request,
    @Res() res: Response,
    @Param('provider') key: string,
    @Query('return_to') returnTo: unknown,
  ): Promise<void> {
    this.answer(res, await this.upstream.start(req, res, key, returnTo), 302);
  }

  @Get(':provider/callback')
  async callback(
    @Req() req: Request,
    @Res() res: Response,
    @Param('provider') key: string,
    @Query('state') state: unknown,
    @Query('error') error: unknown,
  ): Promise<void> {
    this.answer(res, await this.upstream.complete(req, res, key, { state, error }), 303);
  }

  private answer(res: Response, outcome: UpstreamOutcome, status: 302 | 303): void {
    if (outcome.kind === 'refused') return this.pages.error(res, outcome.reason, outcome.returnTo);
    res.set('Cache-Control', 'no-store').redirect(status, outcome.url);
  }
}
