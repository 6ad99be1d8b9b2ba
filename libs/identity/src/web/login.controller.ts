import {
  Body,
  Controller,
  Get,
  Inject,
  Logger,
  Optional,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { isSafeLine } from '@app/persistence';
import { UpstreamRequirements } from '@app/mcp';
import { PENDING_AUTHORIZATION_DESCRIBER, type PendingAuthorizationDescriber } from '@app/oauth';
import { PageRenderer } from '@app/web';
import { IdentityProviderRegistry } from '../providers/identity-provider-registry';
import { LoginSessionService } from '../sessions/login-session.service';
import { SignInService } from '../sign-in.service';
import { UpstreamTokenVault } from '../upstream-tokens/upstream-token-vault';
import { SignInRefused } from '../users/upstream-profile';
import { LoginCsrf } from './login-csrf';
import { safeReturnTo } from './return-to';
import { IdentityErrorFilter } from './identity-error.filter';
import { IDENTITY_VIEWS, SignInPages } from './sign-in-pages';

/** Free text without control characters or unpaired surrogates (PostgreSQL stores no NUL). */
const safeLine = (max: number) =>
  z.string().max(max).refine(isSafeLine, 'control characters or invalid Unicode');

const DevLoginForm = z.object({
  csrf: z.string().max(128),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(320)
    .regex(/^[^\s@<>()",;]+@[^\s@<>()",;]+$/)
    .refine(isSafeLine, 'control characters or invalid Unicode'),
  name: safeLine(255)
    .transform((v) => v.trim())
    .optional(),
  return_to: safeLine(2048).optional(),
});

/** The sign-in page, the dev login and sign-out. */
@Controller()
@UseFilters(IdentityErrorFilter)
export class LoginController {
  private readonly logger = new Logger('Login');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pages: PageRenderer,
    private readonly errors: SignInPages,
    private readonly providers: IdentityProviderRegistry,
    private readonly sessions: LoginSessionService,
    private readonly signIn: SignInService,
    private readonly csrf: LoginCsrf,
    private readonly upstream: UpstreamRequirements,
    private readonly vault: UpstreamTokenVault,
    @Optional()
    @Inject(PENDING_AUTHORIZATION_DESCRIBER)
    private readonly describer?: PendingAuthorizationDescriber,
  ) {}

  @Get('login')
  async loginPage(
    @Req() req: Request,
    @Res() res: Response,
    @Query('return_to') returnToParam: unknown,
  ): Promise<void> {
    const returnTo = safeReturnTo(returnToParam);
    const session = await this.sessions.current(req);
    const providers = this.providers.all().map((p) => ({
      key: p.key,
      displayName: p.displayName,
      href: `/auth/${p.key}${returnTo === '/' ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`,
      // UP-11: the page says which extra access the provider will be asked for, and for which tools.
      upstream: this.vault.keeps(p.key)
        ? { scopes: this.upstream.scopesFor(p.key), tools: this.upstream.toolsFor(p.key).join(', ') }
        : undefined,
    }));
    this.pages.render(res, {
      viewsDir: IDENTITY_VIEWS,
      view: 'login',
      title: 'Sign in',
      context: {
        clientName: await this.pendingClientName(returnTo),
        providers,
        devLogin: this.config.devLogin,
        emailLogin: this.config.emailLogin !== undefined,
        anyMethod: providers.length > 0 || this.config.devLogin || this.config.emailLogin !== undefined,
        returnTo,
        csrf: this.csrf.tokenFor(req, res),
        signedIn: session ? { displayName: session.user.displayName, email: session.user.email } : undefined,
      },
    });
  }

  /** Dev login: signs in whoever is typed in. Only when DEV_LOGIN is on (refused in production). */
  @Post('auth/dev')
  async devLogin(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    const parsed = DevLoginForm.safeParse(body);
    const returnTo = safeReturnTo(parsed.success ? parsed.data.return_to : undefined);
    if (!this.config.devLogin) return this.errors.error(res, 'provider_unknown', returnTo);
    if (!this.csrf.verify(req, (body as Record<string, unknown> | undefined)?.csrf)) {
      await this.signIn.refused(req, 'dev', 'csrf_failed');
      return this.errors.error(res, 'csrf_failed', returnTo);
    }
    if (!parsed.success) return this.errors.error(res, 'form_invalid', returnTo);
    const { email, name } = parsed.data;
    try {
      await this.signIn.complete(req, res, {
        provider: 'dev',
        issuer: 'dev',
        subject: email,
        username: null,
        displayName: name || email.slice(0, email.indexOf('@')),
        email,
        // Self-asserted: never treated as verified (see AccountService's linking rule).
        emailVerified: false,
        avatarUrl: null,
      });
    } catch (error) {
      if (error instanceof SignInRefused) return this.errors.error(res, error.reason, returnTo);
      throw error;
    }
    res.set('Cache-Control', 'no-store').redirect(303, returnTo);
  }

  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    const token = (body as Record<string, unknown> | undefined)?.csrf;
    if (!this.csrf.verify(req, token)) return this.errors.error(res, 'csrf_failed');
    await this.signIn.signOut(req, res);
    res.redirect(303, '/login');
  }

  /** Every browser of this person signed out, and their upstream tokens forgotten (UP-15). */
  @Post('logout/everywhere')
  async logoutEverywhere(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    const token = (body as Record<string, unknown> | undefined)?.csrf;
    if (!this.csrf.verify(req, token)) return this.errors.error(res, 'csrf_failed');
    await this.signIn.signOutEverywhere(req, res);
    res.set('Cache-Control', 'no-store').redirect(303, '/login');
  }

  private async pendingClientName(returnTo: string): Promise<string | undefined> {
    if (!this.describer || returnTo === '/') return undefined;
    try {
      return (await this.describer.describe(returnTo))?.clientName;
    } catch (error) {
      // The page still works without the client's name.
      this.logger.warn(`could not describe the pending authorization: ${(error as Error).message}`);
      return undefined;
    }
  }
}
