import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { UserRepository } from '@app/identity';
import { ClientAdministration, ResourceServerAuthenticator } from '@app/oauth';
import { AccountAccess } from '../account-access';
import { ADMIN_SCOPE } from '../admin-scope.policy';
import {
  ApiRefusal,
  apiRefusalOf,
  INSUFFICIENT_SCOPE,
  NO_PERSON,
  NOT_AN_ADMINISTRATOR,
} from './admin-api-refusal';

const CLIENT_ID = /^[\x21-\x7e]{1,64}$/;

/**
 * The admin page as JSON, for scripts. A bearer token (RFC 6750) issued for the admin API's
 * own resource (RFC 8707: `<PUBLIC_URL>/api/admin`, never /mcp's) with the `admin` scope, whose user
 * is an administrator now (checked on every call).
 */
@Controller('api/admin/clients')
export class AdminApiController {
  constructor(
    private readonly resourceServer: ResourceServerAuthenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly access: AccountAccess,
    private readonly users: UserRepository,
    private readonly clients: ClientAdministration,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.run(req, res, async () => ({
      clients: (await this.clients.list()).map((c) => ({
        client_id: c.clientId,
        client_name: c.clientName,
        registered_via: c.registeredVia,
        created_at: c.createdAt,
        last_used_at: c.lastUsedAt,
        disabled_at: c.disabledAt,
        token_endpoint_auth_method: c.tokenEndpointAuthMethod,
        remember_consent: c.rememberConsent,
        active_grants: c.activeGrants,
        granted_by: c.grantedBy,
        deletable: c.deletable,
      })),
    }));
  }

  /**
   * RFC 7591 metadata, registered by an administrator: how machine clients (client_credentials,
   * private_key_jwt) are created. 201 with the client information, its secret shown once.
   */
  @Post()
  @HttpCode(201)
  async register(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    await this.run(
      req,
      res,
      async (userId) => {
        const outcome = await this.clients.register(body, userId, req.ip ?? null);
        if (!outcome.ok) throw new ApiRefusal(400, outcome.error, outcome.description);
        return outcome.client;
      },
      201,
    );
  }

  @Post(':clientId/disable')
  @HttpCode(200)
  async disable(
    @Req() req: Request,
    @Res() res: Response,
    @Param('clientId') clientId: string,
  ): Promise<void> {
    await this.run(req, res, async (userId) => {
      if (!CLIENT_ID.test(clientId) || !(await this.clients.disable(clientId, userId, req.ip ?? null))) {
        throw new ApiRefusal(404, 'not_found', 'No such client, or it is already disabled');
      }
      return { client_id: clientId, disabled: true };
    });
  }

  @Post(':clientId/enable')
  @HttpCode(200)
  async enable(
    @Req() req: Request,
    @Res() res: Response,
    @Param('clientId') clientId: string,
  ): Promise<void> {
    await this.run(req, res, async (userId) => {
      if (!CLIENT_ID.test(clientId) || !(await this.clients.enable(clientId, userId, req.ip ?? null))) {
        throw new ApiRefusal(404, 'not_found', 'No such client, or it is not disabled');
      }
      return { client_id: clientId, disabled: false };
    });
  }

  /**
   * RFC 8252 §8.6: `{"remember_consent": true|false}` for a client an administrator registered; true
   * lets a remembered consent answer a public client without the one-click "Continue" page.
   */
  @Post(':clientId/remember-consent')
  @HttpCode(200)
  async rememberConsent(
    @Req() req: Request,
    @Res() res: Response,
    @Param('clientId') clientId: string,
    @Body() body: unknown,
  ): Promise<void> {
    await this.run(req, res, async (userId) => {
      const remember = (body as { remember_consent?: unknown } | undefined)?.remember_consent;
      if (typeof remember !== 'boolean') {
        throw new ApiRefusal(400, 'invalid_request', 'remember_consent must be true or false');
      }
      if (
        !CLIENT_ID.test(clientId) ||
        !(await this.clients.setRememberConsent(clientId, remember, userId, req.ip ?? null))
      ) {
        throw new ApiRefusal(
          404,
          'not_found',
          'No such administrator-registered client, or remember_consent already has that value',
        );
      }
      return { client_id: clientId, remember_consent: remember };
    });
  }

  @Delete(':clientId')
  async remove(
    @Req() req: Request,
    @Res() res: Response,
    @Param('clientId') clientId: string,
  ): Promise<void> {
    await this.run(req, res, async (userId) => {
      if (
        !CLIENT_ID.test(clientId) ||
        (await this.clients.delete(clientId, userId, req.ip ?? null)) !== 'deleted'
      ) {
        throw new ApiRefusal(
          409,
          'not_deletable',
          'Only never-used self-registered clients can be deleted; disable it instead',
        );
      }
      return { client_id: clientId, deleted: true };
    });
  }

  private async run(
    req: Request,
    res: Response,
    handler: (userId: string) => Promise<object>,
    status = 200,
  ): Promise<void> {
    res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
    try {
      const userId = await this.authenticate(req);
      res.status(status).json(await handler(userId));
    } catch (thrown) {
      if (!(thrown instanceof ApiRefusal)) throw thrown;
      res.set(thrown.headers);
      res.status(thrown.status).json({ error: thrown.error, error_description: thrown.description });
    }
  }

  /**
   * RFC 6750: the token must be valid for the admin resource (RFC 8707; a token for /mcp is
   * invalid_token here) by the one resource-server check, carry `admin`, and its user be an
   * administrator now.
   */
  private async authenticate(req: Request): Promise<string> {
    const outcome = await this.resourceServer.authenticate(
      req.headers.authorization,
      this.config.adminResource,
      req.ip ?? null,
    );
    if (outcome.kind !== 'ok') throw apiRefusalOf(outcome);
    // EXT-CC-06: a machine client's token (client_credentials) names no person; administration needs one.
    if (outcome.token.userId === null) throw NO_PERSON;
    if (!outcome.token.scopes.includes(ADMIN_SCOPE)) throw INSUFFICIENT_SCOPE;
    const user = await this.users.findUser(outcome.token.userId);
    if (!user || user.disabled || !this.access.isAdmin(user)) throw NOT_AN_ADMINISTRATOR;
    return user.id;
  }
}
