import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClientAuthenticator } from '../clients/client-authenticator';
import { OAuthJsonExceptionFilter } from '../common/oauth-error.filters';
import {
  InvalidRequestError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../common/oauth-errors';
import { clientIp, paramReader, requireFormBody } from '../common/params';
import { RateLimitGuard, RateLimited } from '../rate-limit/rate-limit.guard';
import { ClientRepository } from '../repositories/client.repository';
import { GRANT_HANDLERS, type GrantHandler } from './grants/grant-handler';
import type { TokenResponse } from './token-issuer';

/** RFC 6749 §3.2 token endpoint: parse, authenticate the client, dispatch to the grant's handler. */
@Controller('api/oauth/token')
@UseFilters(OAuthJsonExceptionFilter)
export class TokenController {
  private readonly handlers: ReadonlyMap<string, GrantHandler>;

  constructor(
    @Inject(GRANT_HANDLERS) handlers: GrantHandler[],
    private readonly authenticator: ClientAuthenticator,
    private readonly clients: ClientRepository,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.grantType, h]));
  }

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
    const param = paramReader(body);
    const grantType = param('grant_type');
    if (!grantType) throw new InvalidRequestError('grant_type is required');
    const handler = this.handlers.get(grantType);
    if (!handler)
      throw new UnsupportedGrantTypeError(`grant_type ${grantType.slice(0, 60)} is not supported`);
    for (const name of handler.parameters) param(name); // refuses repeated parameters up front
    const client = await this.authenticator.authenticate(req, param);
    if (!client.grantTypes.includes(grantType as never) && grantType !== 'refresh_token') {
      throw new UnauthorizedClientError(`This client is not registered for the ${grantType} grant`);
    }
    const response = await handler.handle({ client, param, ip: clientIp(req) });
    void this.clients.touchLastUsed(client.clientId).catch(() => undefined);
    return response;
  }
}
