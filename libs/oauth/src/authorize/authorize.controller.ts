import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { join } from 'node:path';
import { PageRenderer } from '@app/web';
import { AuthorizeExceptionFilter } from '../common/oauth-error.filters';
import { clientIp } from '../common/params';
import { RateLimitGuard, RateLimited } from '../rate-limit/rate-limit.guard';
import { AuthorizeService, type AuthorizeOutcome } from './authorize.service';

/** GET /oauth/authorize, the sign-in continuation and the consent form's answer. */
@Controller('oauth/authorize')
@UseFilters(AuthorizeExceptionFilter)
export class AuthorizeController {
  constructor(
    private readonly authorize: AuthorizeService,
    @Inject(PageRenderer) private readonly pages: PageRenderer,
  ) {}

  @Get()
  @UseGuards(RateLimitGuard)
  @RateLimited('authorize')
  async start(@Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.send(res, await this.authorize.start(query, req, clientIp(req)), 302);
  }

  @Get('continue')
  @UseGuards(RateLimitGuard)
  @RateLimited('authorize_continue')
  async continue(
    @Query('request_id') requestId: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const id = typeof requestId === 'string' ? requestId : undefined;
    this.send(res, await this.authorize.continue(id, req, clientIp(req)), 302);
  }

  @Post('decision')
  @UseGuards(RateLimitGuard)
  @RateLimited('authorize')
  async decision(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    // 303: the browser follows a POST's answer with a GET.
    this.send(res, await this.authorize.decide(body, req, clientIp(req)), 303);
  }

  private send(res: Response, outcome: AuthorizeOutcome, redirectStatus: number): void {
    switch (outcome.kind) {
      case 'redirect':
        res.set('Cache-Control', 'no-store').redirect(redirectStatus, outcome.location);
        return;
      case 'consent':
        this.pages.render(res, {
          viewsDir: join(__dirname, '..', 'views'),
          view: 'consent',
          title: outcome.page.remembered
            ? `Continue to ${outcome.page.clientName}?`
            : `Allow ${outcome.page.clientName} to access your account?`,
          context: { ...outcome.page },
        });
        return;
    }
  }
}
