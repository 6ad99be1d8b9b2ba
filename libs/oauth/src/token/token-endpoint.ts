import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ClientAuthenticator, type ClientRequest } from '../clients/client-authenticator';
import { InvalidRequestError, UnsupportedGrantTypeError } from '../common/oauth-errors';
import { paramReader } from '../common/params';
import { ClientRepository } from '../repositories/client.repository';
import { idJagPolicy } from '../enterprise/trusted-idps';
import { requireGrantEligibility } from './grant-eligibility';
import { GRANT_HANDLERS, type GrantHandler } from './grants/grant-handler';
import type { TokenResponse } from './token-issuer';

/**
 * RFC 6749 §3.2 token endpoint, after the rate limit and the form body check: read the parameters,
 * authenticate the client, dispatch to the grant's handler. TokenRoute (the route's one HTTP handler)
 * calls it. Throws OAuthErrors.
 */
@Injectable()
export class TokenEndpoint {
  private readonly handlers: ReadonlyMap<string, GrantHandler>;
  /** When this replica last sent a client's last_used_at (the UPDATE is per minute anyway). */
  private readonly touched = new Map<string, number>();

  constructor(
    @Inject(GRANT_HANDLERS) handlers: GrantHandler[],
    private readonly authenticator: ClientAuthenticator,
    private readonly clients: ClientRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.grantType, h]));
  }

  async exchange(body: unknown, request: ClientRequest): Promise<TokenResponse> {
    const param = paramReader(body);
    const grantType = param('grant_type');
    if (!grantType) throw new InvalidRequestError('grant_type is required');
    const handler = this.handlers.get(grantType);
    if (!handler)
      throw new UnsupportedGrantTypeError(`grant_type ${grantType.slice(0, 60)} is not supported`);
    for (const name of handler.parameters) param(name); // refuses repeated parameters up front
    const client = await this.authenticator.authenticate(request, param);
    requireGrantEligibility(client, grantType, idJagPolicy(this.config));
    const response = await handler.handle({ client, param, ip: request.ip });
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
