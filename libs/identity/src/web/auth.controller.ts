import { Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { UpstreamAttemptRepository } from '../providers/upstream-attempt.repository';
import { IdentityProviderRegistry } from '../providers/identity-provider-registry';
import { isSecretShaped, randomSecret, sameBytes, sha256 } from '../secrets';
import { SignInService } from '../sign-in.service';
import { SignInRefused, type SignInRefusal } from '../users/upstream-profile';
import { IdentityCookies } from './identity-cookies';
import { IdentityErrorFilter } from './identity-error.filter';
import { safeReturnTo } from './return-to';
import { SignInPages } from './sign-in-pages';

/** An upstream round trip must come back within this many seconds. */
export const UPSTREAM_ATTEMPT_TTL = 600;

/**
 * GET /auth/:provider sends the browser to the provider; GET /auth/:provider/callback completes the
 * sign-in. The upstream `state` is a fresh 256-bit value per attempt, stored (digest only) in
 * PostgreSQL with the PKCE verifier, nonce and return target, so the callback can land on any
 * replica; it is consumed exactly once and must come back in the browser that started it.
 */
@Controller('auth')
@UseFilters(IdentityErrorFilter)
export class AuthController {
  constructor(
    private readonly providers: IdentityProviderRegistry,
    private readonly attempts: UpstreamAttemptRepository,
    private readonly cookies: IdentityCookies,
    private readonly signIn: SignInService,
    private readonly pages: SignInPages,
  ) {}

  @Get(':provider')
  async start(
    @Req() req: Request,
    @Res() res: Response,
    @Param('provider') key: string,
    @Query('return_to') returnToParam: unknown,
  ): Promise<void> {
    const returnTo = safeReturnTo(returnToParam);
    const provider = this.providers.get(key);
    if (!provider) return this.pages.error(res, 'provider_unknown', returnTo);
    // One binding value per browser (not per attempt), so two tabs signing in at once both work.
    const binding = this.cookies.read(req, 'login') ?? randomSecret();
    const state = randomSecret();
    let redirect;
    try {
      redirect = await provider.begin(req, state);
    } catch (error) {
      return this.refuse(req, res, provider.key, error, returnTo);
    }
    await this.attempts.create({
      provider: provider.key,
      state,
      browserBinding: binding,
      codeVerifier: redirect.codeVerifier,
      nonce: redirect.nonce,
      returnTo,
      ttlSeconds: UPSTREAM_ATTEMPT_TTL,
    });
    this.attempts.deleteStale().catch(() => undefined);
    this.cookies.write(res, 'login', binding, UPSTREAM_ATTEMPT_TTL);
    res.set('Cache-Control', 'no-store').redirect(302, redirect.url);
  }

  @Get(':provider/callback')
  async callback(
    @Req() req: Request,
    @Res() res: Response,
    @Param('provider') key: string,
    @Query('state') state: unknown,
    @Query('error') upstreamError: unknown,
  ): Promise<void> {
    const provider = this.providers.get(key);
    if (!provider) return this.pages.error(res, 'provider_unknown');
    if (!isSecretShaped(state)) return this.refuse(req, res, provider.key, 'attempt_invalid');
    // Single use: whatever happens next, this state can never be presented again.
    const attempt = await this.attempts.consume(provider.key, state);
    if (!attempt) return this.refuse(req, res, provider.key, 'attempt_invalid');
    const binding = this.cookies.read(req, 'login');
    if (!binding || !sameBytes(sha256(binding), attempt.browserHash)) {
      // Login CSRF: a callback URL replayed into another browser (e.g. an attacker's code and state).
      return this.refuse(req, res, provider.key, 'attempt_invalid', attempt.returnTo);
    }
    if (upstreamError !== undefined) {
      // RFC 6749 §4.1.2.1: access_denied is the person saying no; anything else is a provider or
      // configuration problem (e.g. redirect_uri_mismatch), which the operator needs to see in the log.
      const code =
        typeof upstreamError === 'string' && /^[a-z_]{1,64}$/.test(upstreamError) ? upstreamError : 'other';
      const cause =
        code === 'access_denied'
          ? new SignInRefused('upstream_denied', 'access_denied')
          : new SignInRefused('upstream_failed', `authorization error ${code}`);
      return this.refuse(req, res, provider.key, cause, attempt.returnTo);
    }
    try {
      const profile = await provider.finish(req, {
        state,
        codeVerifier: attempt.codeVerifier,
        nonce: attempt.nonce,
      });
      await this.signIn.complete(req, res, profile);
    } catch (error) {
      // SignInService already audited refusals it raised; provider refusals are audited here.
      if (error instanceof SignInRefused && error.audited)
        return this.pages.error(res, error.reason, attempt.returnTo);
      return this.refuse(req, res, provider.key, error, attempt.returnTo);
    }
    res.set('Cache-Control', 'no-store').redirect(303, attempt.returnTo);
  }

  private async refuse(
    req: Request,
    res: Response,
    provider: string,
    cause: unknown,
    returnTo = '/',
  ): Promise<void> {
    let reason: SignInRefusal;
    if (typeof cause === 'string') reason = cause as SignInRefusal;
    else if (cause instanceof SignInRefused) reason = cause.reason;
    else throw cause;
    const detail = cause instanceof SignInRefused ? cause.detail : undefined;
    await this.signIn.refused(req, provider, reason, detail);
    this.pages.error(res, reason, returnTo);
  }
}
