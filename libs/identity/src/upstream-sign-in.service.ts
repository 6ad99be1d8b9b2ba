import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IdentityProviderRegistry } from './providers/identity-provider-registry';
import { UpstreamAttemptRepository } from './providers/upstream-attempt.repository';
import { isSecretShaped, randomSecret, sameBytes, sha256 } from './secrets';
import { SignInService } from './sign-in.service';
import { SignInRefused, type SignInRefusal } from './users/upstream-profile';
import { IdentityCookies } from './web/identity-cookies';
import { safeReturnTo } from './web/return-to';

/** An upstream round trip must come back within this many seconds. */
export const UPSTREAM_ATTEMPT_TTL = 600;

export type UpstreamOutcome =
  | { readonly kind: 'redirect'; readonly url: string }
  | { readonly kind: 'refused'; readonly reason: SignInRefusal; readonly returnTo: string };

export interface CallbackQuery {
  readonly state: unknown;
  readonly error: unknown;
}

/**
 * The rules of an upstream sign-in. The `state` is a fresh 256-bit value per attempt, stored (digest
 * only) in PostgreSQL with the PKCE verifier, nonce and return target, so the callback can land on
 * any replica; it is consumed exactly once, must come back within UPSTREAM_ATTEMPT_TTL and in the
 * browser that started it (the `mcp_login` binding cookie: login-CSRF defence).
 */
@Injectable()
export class UpstreamSignInService {
  constructor(
    private readonly providers: IdentityProviderRegistry,
    private readonly attempts: UpstreamAttemptRepository,
    private readonly cookies: IdentityCookies,
    private readonly signIn: SignInService,
  ) {}

  /** GET /auth/:provider — where to send the browser. */
  async start(req: Request, res: Response, key: string, returnToParam: unknown): Promise<UpstreamOutcome> {
    const returnTo = safeReturnTo(returnToParam);
    const provider = this.providers.get(key);
    if (!provider) return { kind: 'refused', reason: 'provider_unknown', returnTo };
    // One binding value per browser (not per attempt), so two tabs signing in at once both work.
    const binding = this.cookies.read(req, 'login') ?? randomSecret();
    const state = randomSecret();
    let redirect;
    try {
      redirect = await provider.begin(req, state);
    } catch (error) {
      return this.refuse(req, provider.key, error, returnTo);
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
    return { kind: 'redirect', url: redirect.url };
  }

  /** GET /auth/:provider/callback — signs the person in (session cookie on `res`) or says why not. */
  async complete(req: Request, res: Response, key: string, query: CallbackQuery): Promise<UpstreamOutcome> {
    const provider = this.providers.get(key);
    if (!provider) return { kind: 'refused', reason: 'provider_unknown', returnTo: '/' };
    const { state } = query;
    if (!isSecretShaped(state)) return this.refuse(req, provider.key, 'attempt_invalid');
    // Single use: whatever happens next, this state can never be presented again.
    const attempt = await this.attempts.consume(provider.key, state);
    if (!attempt) return this.refuse(req, provider.key, 'attempt_invalid');
    const binding = this.cookies.read(req, 'login');
    if (!binding || !sameBytes(sha256(binding), attempt.browserHash)) {
      // Login CSRF: a callback URL replayed into another browser (e.g. an attacker's code and state).
      return this.refuse(req, provider.key, 'attempt_invalid', attempt.returnTo);
    }
    if (query.error !== undefined) {
      // RFC 6749 §4.1.2.1: access_denied is the person saying no; anything else is a provider or
      // configuration problem (e.g. redirect_uri_mismatch), which the operator needs to see in the log.
      const code =
        typeof query.error === 'string' && /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'other';
      const cause =
        code === 'access_denied'
          ? new SignInRefused('upstream_denied', 'access_denied')
          : new SignInRefused('upstream_failed', `authorization error ${code}`);
      return this.refuse(req, provider.key, cause, attempt.returnTo);
    }
    try {
      const profile = await provider.finish(req, {
        state,
        codeVerifier: attempt.codeVerifier,
        nonce: attempt.nonce,
      });
      await this.signIn.complete(req, res, profile);
    } catch (error) {
      return this.refuse(req, provider.key, error, attempt.returnTo);
    }
    return { kind: 'redirect', url: attempt.returnTo };
  }

  /** Audits the refusal once (SignInService may already have) and describes it; other errors propagate. */
  private async refuse(
    req: Request,
    provider: string,
    cause: unknown,
    returnTo = '/',
  ): Promise<UpstreamOutcome> {
    if (typeof cause === 'string') {
      await this.signIn.refused(req, provider, cause as SignInRefusal);
      return { kind: 'refused', reason: cause as SignInRefusal, returnTo };
    }
    if (!(cause instanceof SignInRefused)) throw cause;
    if (!cause.audited) {
      await this.signIn.refused(req, provider, cause.reason, cause.detail);
      cause.audited = true;
    }
    return { kind: 'refused', reason: cause.reason, returnTo };
  }
}
