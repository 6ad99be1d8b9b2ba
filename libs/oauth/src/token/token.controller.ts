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
  /** When this replica last sent a client's last_used_at (issue #7: the UPDATE is per minute anyway). */
  private readonly touched = new Map<string, number>();

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
    this.touchLastUsed(client.clientId);
    return response;
  }

  /**
   * oauth_clients.last_used_at moves at most once a minute (ClientRepository.touchLastUsed); this
   * replica skips even the no-op UPDATE within that minute (bounded map, cleared when full).
   */
  private touchLastUsed(clientId: string): void {
    const now = Date.now();
    const last = this.touched.get(clientId);
    if (last !== undefined && now - last < 60_000) return;
    if (this.touched.size >= 10_000) this.touched.clear();
    this.touched.set(clientId, now);
    void this.clients.touchLastUsed(clientId).catch(() => undefined);
  }
}
