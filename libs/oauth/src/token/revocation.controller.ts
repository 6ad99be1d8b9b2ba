import { Body, Controller, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClientAuthenticator, clientRequestOf } from '../clients/client-authenticator';
import { OAuthJsonExceptionFilter } from '../common/oauth-error.filters';
import { InvalidRequestError } from '../common/oauth-errors';
import { clientIp, paramReader, requireFormBody } from '../common/params';
import { RateLimitGuard, RateLimited } from '../rate-limit/rate-limit.guard';
import { RevocationService } from './revocation.service';
import { parseTokenTypeHint } from './token-lookup';

/** RFC 7009 revocation; same client authentication as the token endpoint. */
@Controller('api/oauth')
@UseFilters(OAuthJsonExceptionFilter)
export class RevocationController {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly revocation: RevocationService,
  ) {}

  @Post('revoke')
  @HttpCode(200)
  @UseGuards(RateLimitGuard)
  @RateLimited('token')
  async revoke(
    @Req() req: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    requireFormBody(req);
    const param = paramReader(body);
    const client = await this.authenticator.authenticate(clientRequestOf(req), param);
    const token = param('token');
    if (!token) throw new InvalidRequestError('token is required');
    await this.revocation.revoke(client, token, parseTokenTypeHint(param('token_type_hint')), clientIp(req));
  }
}
