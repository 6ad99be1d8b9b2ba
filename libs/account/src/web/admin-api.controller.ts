import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ServiceError } from '@app/errors';
import { UserRepository } from '@app/identity';
import { ACCESS_TOKEN_VERIFIER, ClientAdministration, type AccessTokenVerifier } from '@app/oauth';
import { bearerToken, MALFORMED_BEARER, NO_BEARER } from '@app/web';
import { AccountAccess } from '../account-access';
import { ADMIN_SCOPE } from '../admin-scope.policy';

const CLIENT_ID = /^[\x21-\x7e]{1,64}$/;

/** A refused API call: its status, RFC 6750-style error body and challenge (never a stack trace). */
class ApiRefusal extends ServiceError {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    headers?: Readonly<Record<string, string>>,
  ) {
    super(description, undefined, headers);
  }
}

/** RFC 6750 §3.1: no credentials (or another scheme), so the challenge carries no error code. */
const NO_TOKEN = new ApiRefusal(401, 'invalid_token', 'A bearer token is required', {
  'WWW-Authenticate': 'Bearer',
});
const invalidToken = (description: string): ApiRefusal =>
  new ApiRefusal(401, 'invalid_token', description, {
    'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"`,
  });
const INSUFFICIENT_SCOPE_CHALLENGE = Object.freeze({
  'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${ADMIN_SCOPE}"`,
});

/**
 * The admin page as JSON, for scripts. A bearer token (RFC 6750) issued for the admin API's
 * own resource (RFC 8707: `<PUBLIC_URL>/api/admin`, never /mcp's) with the `admin` scope, whose user
 * is an administrator now (checked on every call).
 */
@Controller('api/admin/clients')
export class AdminApiController {
  constructor(
    @Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: AccessTokenVerifier,
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
  ): Promise<void> {
    res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
    try {
      const userId = await this.authenticate(req.headers.authorization);
      res.status(200).json(await handler(userId));
    } catch (thrown) {
      if (!(thrown instanceof ApiRefusal)) throw thrown;
      res.set(thrown.headers);
      res.status(thrown.status).json({ error: thrown.error, error_description: thrown.description });
    }
  }

  /**
   * RFC 6750: the token must be valid for the admin resource (RFC 8707; a token for /mcp is
   * invalid_token here), carry `admin`, and its user be an administrator.
   */
  private async authenticate(authorization: string | undefined): Promise<string> {
    const presented = bearerToken(authorization);
    if (presented === NO_BEARER) throw NO_TOKEN;
    if (presented === MALFORMED_BEARER) throw invalidToken('A bearer token is required');
    const check = await this.verifier.verify(presented, this.config.adminResource);
    if (!check.ok) throw invalidToken('The access token is not valid');
    if (!check.token.scopes.includes(ADMIN_SCOPE)) {
      throw new ApiRefusal(
        403,
        'insufficient_scope',
        'The token lacks the admin scope',
        INSUFFICIENT_SCOPE_CHALLENGE,
      );
    }
    const user = await this.users.findUser(check.token.userId);
    if (!user || user.disabled || !this.access.isAdmin(user)) {
      throw new ApiRefusal(403, 'forbidden', 'Only administrators may use this API');
    }
    return user.id;
  }
}
