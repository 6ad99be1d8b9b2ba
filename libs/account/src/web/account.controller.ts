import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '@app/audit';
import { LoginCsrf, UpstreamConnections, UserRepository } from '@app/identity';
import { GrantsDirectory, type ConnectedApp } from '@app/oauth';
import { PageRenderer } from '@app/web';
import { AccountAccess } from '../account-access';
import { describeEvent } from './activity-words';
import { ACCOUNT_VIEWS, formatTime, isoTime, loginRedirect } from './pages';

const PROVIDER_KEY = /^[a-z][a-z0-9-]{0,31}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_ID = /^[1-9][0-9]{0,18}$/;
const ACTIVITY_PAGE_SIZE = 25;
const MAX_BIGINT = 2n ** 63n - 1n;

/** The signed-in person's profile, "Connected apps" (revocable) and recent activity. */
@Controller('account')
export class AccountController {
  constructor(
    private readonly access: AccountAccess,
    private readonly pages: PageRenderer,
    private readonly csrf: LoginCsrf,
    private readonly users: UserRepository,
    private readonly grants: GrantsDirectory,
    private readonly audit: AuditLog,
    private readonly upstream: UpstreamConnections,
  ) {}

  @Get()
  async account(
    @Req() req: Request,
    @Res() res: Response,
    @Query('revoked') revoked: unknown,
    @Query('disconnected') disconnected: unknown,
  ): Promise<void> {
    const user = await this.access.signedInUser(req);
    if (!user) return res.redirect(303, loginRedirect('/account'));
    const [identities, apps, connections] = await Promise.all([
      this.users.identitiesOf(user.id),
      this.grants.connectedApps(user.id),
      this.upstream.list(user.id),
    ]);
    this.pages.render(res, {
      viewsDir: ACCOUNT_VIEWS,
      view: 'account',
      title: 'Your account',
      context: {
        user: { displayName: user.displayName, email: user.email, emailVerified: user.emailVerified },
        providers: [...new Set(identities.map((i) => i.provider))],
        apps: apps.map((app) => this.appView(app)),
        revoked: revoked === '1',
        disconnected: disconnected === '1',
        connections: connections.map((c) => ({
          provider: c.provider,
          displayName: c.displayName,
          scopes: c.scopes,
          connectedAt: formatTime(c.connectedAt),
          connectedAtIso: isoTime(c.connectedAt),
        })),
        isAdmin: this.access.isAdmin(user),
        csrf: this.csrf.tokenFor(req, res),
      },
    });
  }

  /** POST only, with the signed double-submit CSRF token; answers with a redirect (no JS needed). */
  @Post('apps/:grantId/revoke')
  async revoke(
    @Req() req: Request,
    @Res() res: Response,
    @Param('grantId') grantId: string,
    @Body() body: unknown,
  ): Promise<void> {
    const user = await this.formUser(req, res, body);
    if (!user) return;
    // Another user's grant is simply "not found" (the query is owner-scoped; docs/architecture.md C6).
    if (!UUID.test(grantId) || !(await this.grants.revoke(user.id, grantId, req.ip ?? null))) {
      return this.message(res, 404, 'Not found', 'This connection does not exist or was already revoked.');
    }
    res.set('Cache-Control', 'no-store').redirect(303, '/account?revoked=1');
  }

  /** UP-15: forget the person's upstream tokens for one provider (POST + CSRF, like revoke). */
  @Post('upstream/:provider/disconnect')
  async disconnect(
    @Req() req: Request,
    @Res() res: Response,
    @Param('provider') provider: string,
    @Body() body: unknown,
  ): Promise<void> {
    const user = await this.formUser(req, res, body);
    if (!user) return;
    if (
      !PROVIDER_KEY.test(provider) ||
      !(await this.upstream.disconnect(user.id, provider, req.ip ?? null))
    ) {
      return this.message(res, 404, 'Not found', 'This connection does not exist or was already removed.');
    }
    res.set('Cache-Control', 'no-store').redirect(303, '/account?disconnected=1');
  }

  /**
   * The signed-in person behind a POST form of /account, with its signed double-submit CSRF token; null
   * once the answer is sent (the sign-in redirect, or 403 for a foreign or expired form).
   */
  private async formUser(req: Request, res: Response, body: unknown) {
    const user = await this.access.signedInUser(req);
    if (!user) {
      res.redirect(303, loginRedirect('/account'));
      return null;
    }
    if (!this.csrf.verify(req, (body as Record<string, unknown> | undefined)?.csrf)) {
      this.message(
        res,
        403,
        'Request refused',
        'The form expired or did not come from this site. Open your account page and try again.',
      );
      return null;
    }
    return user;
  }

  @Get('activity')
  async activity(@Req() req: Request, @Res() res: Response, @Query('before') before: unknown): Promise<void> {
    const user = await this.access.signedInUser(req);
    if (!user) return res.redirect(303, loginRedirect('/account/activity'));
    let beforeId: string | undefined;
    if (typeof before === 'string' && before !== '') {
      // Event ids are PostgreSQL bigints: anything else (or beyond 2^63-1) is a malformed link.
      if (!EVENT_ID.test(before) || BigInt(before) > MAX_BIGINT) {
        return this.message(
          res,
          400,
          'Recent activity',
          'This page link is not valid. Open Recent activity again.',
        );
      }
      beforeId = before;
    }
    const events = await this.audit.forUser(user.id, ACTIVITY_PAGE_SIZE + 1, beforeId);
    const page = events.slice(0, ACTIVITY_PAGE_SIZE);
    const next = events.length > ACTIVITY_PAGE_SIZE ? page[page.length - 1].id : undefined;
    const names = await this.grants.clientNames(
      page.map((e) => e.clientId).filter((id): id is string => id !== null),
    );
    this.pages.render(res, {
      viewsDir: ACCOUNT_VIEWS,
      view: 'activity',
      title: 'Recent activity',
      context: {
        events: page.map((e) => ({
          id: e.id,
          type: e.type,
          what: describeEvent(e.type, e.detail),
          tool: typeof e.detail?.tool === 'string' ? e.detail.tool : undefined,
          outcome: typeof e.detail?.outcome === 'string' ? e.detail.outcome : undefined,
          clientId: e.clientId,
          clientName: e.clientId ? (names.get(e.clientId) ?? e.clientId) : undefined,
          ip: e.ip,
          at: formatTime(e.createdAt),
          atIso: isoTime(e.createdAt),
        })),
        nextHref: next ? `/account/activity?before=${next}` : undefined,
        firstPage: beforeId === undefined,
      },
    });
  }

  private appView(app: ConnectedApp) {
    return {
      grantId: app.grantId,
      clientId: app.clientId,
      clientName: app.clientName,
      selfRegistered: app.selfRegistered,
      // A URL client (Client ID Metadata Document): who publishes its description, as on the consent page.
      documentHost: app.documentHost,
      documentUrl: app.documentUrl,
      redirectHosts: app.redirectHosts.join(', '),
      scopes: app.scopes,
      grantedAt: formatTime(app.grantedAt),
      grantedAtIso: isoTime(app.grantedAt),
      lastUsedAt: formatTime(app.lastUsedAt),
      lastUsedAtIso: isoTime(app.lastUsedAt),
      // EXT-EMA-08: access a company IdP granted (ID-JAG) says so; revoking it works the same.
      grantedBy: app.grantedBy?.name,
    };
  }

  private message(res: Response, status: number, title: string, text: string): void {
    this.pages.render(res, {
      viewsDir: ACCOUNT_VIEWS,
      view: 'account-message',
      title,
      status,
      context: { text },
    });
  }
}
