import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LoginCsrf, type UserEntity } from '@app/identity';
import { ClientAdministration } from '@app/oauth';
import { PageRenderer } from '@app/web';
import { AccountAccess } from '../account-access';
import { ACCOUNT_VIEWS, formatTime, isoTime, loginRedirect } from './pages';

const CLIENT_ID = /^[\x21-\x7e]{1,64}$/;
const ACTIONS = ['disable', 'enable', 'delete', 'remember-consent', 'ask-every-time'] as const;
type Action = (typeof ACTIONS)[number];

/** Administrators (ADMIN_EMAILS, verified email) list, disable and delete clients. */
@Controller('admin/clients')
export class AdminClientsController {
  constructor(
    private readonly access: AccountAccess,
    private readonly pages: PageRenderer,
    private readonly csrf: LoginCsrf,
    private readonly clients: ClientAdministration,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const admin = await this.requireAdmin(req, res);
    if (!admin) return;
    const clients = await this.clients.list();
    const notice = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    this.pages.render(res, {
      viewsDir: ACCOUNT_VIEWS,
      view: 'admin-clients',
      title: 'Clients',
      context: {
        notice,
        clients: clients.map((c) => ({
          clientId: c.clientId,
          clientName: c.clientName ?? c.clientId,
          selfRegistered: c.registeredVia === 'dcr',
          // RFC 8252 §8.6: only a client an administrator registered may skip the "Continue" click.
          adminRegistered: c.registeredVia === 'admin',
          publicClient: c.tokenEndpointAuthMethod === 'none',
          rememberConsent: c.rememberConsent,
          registeredVia: c.registeredVia === 'dcr' ? 'self-registered' : c.registeredVia,
          createdAt: formatTime(c.createdAt),
          createdAtIso: isoTime(c.createdAt),
          lastUsedAt: formatTime(c.lastUsedAt),
          lastUsedAtIso: isoTime(c.lastUsedAt),
          disabled: c.disabledAt !== null,
          activeGrants: c.activeGrants,
          grantedBy: c.grantedBy.join(', '),
          deletable: c.deletable,
          path: encodeURIComponent(c.clientId),
        })),
        csrf: this.csrf.tokenFor(req, res),
      },
    });
  }

  @Post(':clientId/:action')
  async act(
    @Req() req: Request,
    @Res() res: Response,
    @Param('clientId') clientId: string,
    @Param('action') action: string,
    @Body() body: unknown,
  ): Promise<void> {
    const admin = await this.requireAdmin(req, res);
    if (!admin) return;
    if (!this.csrf.verify(req, (body as Record<string, unknown> | undefined)?.csrf)) {
      return this.message(
        res,
        403,
        'Request refused',
        'The form expired or did not come from this site. Reload the page and try again.',
      );
    }
    if (!CLIENT_ID.test(clientId) || !(ACTIONS as readonly string[]).includes(action)) {
      return this.message(res, 404, 'Not found', 'No such client or action.');
    }
    const ip = req.ip ?? null;
    let done: boolean;
    switch (action as Action) {
      case 'disable':
        done = await this.clients.disable(clientId, admin.id, ip);
        break;
      case 'enable':
        done = await this.clients.enable(clientId, admin.id, ip);
        break;
      case 'remember-consent':
      case 'ask-every-time':
        done = await this.clients.setRememberConsent(clientId, action === 'remember-consent', admin.id, ip);
        break;
      case 'delete':
        done = (await this.clients.delete(clientId, admin.id, ip)) === 'deleted';
        if (!done) {
          return this.message(
            res,
            409,
            'Cannot delete',
            'Only self-registered clients that were never used can be deleted. Disable this one instead.',
          );
        }
        break;
    }
    if (!done) return this.message(res, 404, 'Not found', 'No such client, or it is already in that state.');
    res.set('Cache-Control', 'no-store').redirect(303, `/admin/clients?done=${action}`);
  }

  /** Signed out → the sign-in page; signed in but not an administrator → 403. */
  private async requireAdmin(req: Request, res: Response): Promise<UserEntity | null> {
    const user = await this.access.signedInUser(req);
    if (!user) {
      res.redirect(303, loginRedirect('/admin/clients'));
      return null;
    }
    if (!this.access.isAdmin(user)) {
      this.message(res, 403, 'Not allowed', 'This page is for administrators of this server.');
      return null;
    }
    return user;
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

const NOTICES: Readonly<Record<string, string>> = {
  disable: 'The client was disabled: its tokens no longer work and new authorizations are refused.',
  enable: 'The client was enabled again. People must authorize it anew.',
  delete: 'The client was deleted.',
  'remember-consent':
    'A remembered consent now answers this client without a click (until someone revokes it on /account).',
  'ask-every-time': 'People now click "Continue" each time this client asks (when it cannot authenticate).',
};
