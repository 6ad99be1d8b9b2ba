import { Body, Controller, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClientAuthenticator, clientRequestOf } from '../clients/client-authenticator';
import { OAuthJsonExceptionFilter } from '../common/oauth-error.filters';
import { InvalidClientError, InvalidRequestError } from '../common/oauth-errors';
import { paramReader, requireFormBody } from '../common/params';
import { RateLimitGuard, RateLimited } from '../rate-limit/rate-limit.guard';
import { IntrospectionService, type IntrospectionResponse } from './introspection.service';
import { parseTokenTypeHint } from './token-lookup';

/** RFC 7662 introspection; same client authentication as the token endpoint. */
@Controller('api/oauth')
@UseFilters(OAuthJsonExceptionFilter)
export class IntrospectionController {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly introspection: IntrospectionService,
  ) {}

  @Post('introspect')
  @HttpCode(200)
  @UseGuards(RateLimitGuard)
  @RateLimited('token')
  async introspect(
    @Req() req: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IntrospectionResponse> {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    requireFormBody(req);
    const param = paramReader(body);
    const client = await this.authenticator.authenticate(clientRequestOf(req), param);
    // RFC 7662 §2.1: the endpoint needs real authentication; a public client has none to offer.
    if (client.tokenEndpointAuthMethod === 'none') {
      throw new InvalidClientError('Introspection requires a confidential client');
    }
    const token = param('token');
    if (!token) throw new InvalidRequestError('token is required');
    return this.introspection.introspect(client, token, parseTokenTypeHint(param('token_type_hint')));
  }
}
