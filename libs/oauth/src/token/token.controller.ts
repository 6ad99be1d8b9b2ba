import { Body, Controller, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { clientRequestOf } from '../clients/client-authenticator';
import { OAuthJsonExceptionFilter } from '../common/oauth-error.filters';
import { requireFormBody } from '../common/params';
import { RateLimitGuard, RateLimited } from '../rate-limit/rate-limit.guard';
import { TokenEndpoint } from './token-endpoint';
import type { TokenResponse } from './token-issuer';

/**
 * RFC 6749 §3.2 token endpoint on Express. The plain case (a small form body) is answered by
 * TokenFastPath in front of Express, through the same TokenEndpoint; this route takes everything else.
 */
@Controller('api/oauth/token')
@UseFilters(OAuthJsonExceptionFilter)
export class TokenController {
  constructor(private readonly endpoint: TokenEndpoint) {}

  @Post()
  @HttpCode(200)
  @UseGuards(RateLimitGuard)
  @RateLimited('token')
  async token(
    @Req() req: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenResponse> {
    // RFC 6749 §5.1: token responses are never cached.
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    requireFormBody(req);
    return this.endpoint.exchange(body, clientRequestOf(req));
  }
}
