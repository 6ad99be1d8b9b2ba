import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { RateLimiter, TooManyRequestsError } from '@app/oauth';
import { isSecretShaped, randomSecret, sameBytes, sha256 } from '../secrets';
import { SignInService } from '../sign-in.service';
import { AccessPolicy } from '../users/access-policy';
import { SignInRefused, type SignInRefusal, type UpstreamProfile } from '../users/upstream-profile';
import { IdentityCookies } from '../web/identity-cookies';
import { LoginCsrf } from '../web/login-csrf';
import { safeReturnTo } from '../web/return-to';
import { EmailLinkRepository } from './email-link.repository';
import { SignInMailer } from './sign-in-mailer';

/** An emailed link works for this many seconds. */
export const EMAIL_LINK_TTL = 600;
/** Provider key (and issuer) of identities proven by an emailed link; the subject is the address. */
export const EMAIL_PROVIDER = 'email';

const Address = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@<>()",;:\\[\]]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/);

const RequestForm = z.object({
  csrf: z.string().max(128),
  email: Address,
  return_to: z.string().max(2048).optional(),
});

export type EmailOutcome =
  /** The "check your email" page (the same for every address). */
  | { readonly kind: 'sent'; readonly email: string; readonly returnTo: string }
  /** The link was opened in a browser that did not ask for it: ask before signing this one in. */
  | { readonly kind: 'confirm'; readonly email: string; readonly token: string; readonly returnTo: string }
  | { readonly kind: 'redirect'; readonly url: string }
  | {
      readonly kind: 'refused';
      readonly reason: SignInRefusal;
      readonly returnTo: string;
      readonly retryAfterSeconds?: number;
    };

/**
 * Sign-in by emailed link. Asking for a link does the same work for every address (no lookup of
 * users: the response and its timing say nothing about who has an account) and sends the message in
 * the background. The link carries a fresh 256-bit token stored only as its SHA-256 digest, works
 * once within EMAIL_LINK_TTL, and continues the pending request it was asked from. Opened in the
 * browser that asked for it (the `mcp_login` binding cookie, as for upstream sign-ins) it signs in at
 * once; anywhere else it asks first, behind the sign-in forms' CSRF check, so nobody is signed into
 * someone else's account by following a link they were sent (login CSRF).
 */
@Injectable()
export class EmailSignInService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly links: EmailLinkRepository,
    private readonly mailer: SignInMailer,
    private readonly limiter: RateLimiter,
    private readonly policy: AccessPolicy,
    private readonly cookies: IdentityCookies,
    private readonly csrf: LoginCsrf,
    private readonly signIn: SignInService,
  ) {}

  get enabled(): boolean {
    return this.config.emailLogin !== undefined;
  }

  /** POST /auth/email — send a link. */
  async request(req: Request, res: Response, body: unknown): Promise<EmailOutcome> {
    const parsed = RequestForm.safeParse(body);
    const returnTo = safeReturnTo(parsed.success ? parsed.data.return_to : undefined);
    const email = this.config.emailLogin;
    if (!email) return { kind: 'refused', reason: 'provider_unknown', returnTo };
    if (!this.csrf.verify(req, (body as Record<string, unknown> | undefined)?.csrf)) {
      return this.refuse(req, 'csrf_failed', returnTo);
    }
    if (!parsed.success) return this.refuse(req, 'form_invalid', returnTo);
    const address = parsed.data.email;
    try {
      // The company's domain list is no secret and says nothing about accounts: refuse up front
      // rather than send a link that cannot be used.
      this.policy.check(this.profile(address));
      const ip = req.ip ?? 'unknown';
      await this.limiter.consumeKey(`email-link-ip:${ip}`, {
        limit: email.perIpPerHour,
        windowSeconds: 3600,
      });
      // The address is counted by its digest: the shared counters never hold it.
      await this.limiter.consumeKey(`email-link-address:${sha256(address).toString('base64url')}`, {
        limit: email.perAddressPerHour,
        windowSeconds: 3600,
      });
    } catch (error) {
      if (error instanceof TooManyRequestsError) {
        await this.signIn.refused(req, EMAIL_PROVIDER, 'rate_limited');
        return {
          kind: 'refused',
          reason: 'rate_limited',
          returnTo,
          retryAfterSeconds: error.retryAfterSeconds,
        };
      }
      if (error instanceof SignInRefused) return this.refuse(req, error.reason, returnTo, error.detail);
      throw error;
    }
    const binding = this.cookies.read(req, 'login') ?? randomSecret();
    const token = randomSecret();
    await this.links.create({
      token,
      browserBinding: binding,
      email: address,
      returnTo,
      ttlSeconds: EMAIL_LINK_TTL,
    });
    this.links.deleteStale().catch(() => undefined);
    this.cookies.write(res, 'login', binding, EMAIL_LINK_TTL);
    this.mailer.sendInBackground({
      to: address,
      link: `${this.config.publicUrl}/auth/email/link?token=${token}`,
      minutes: EMAIL_LINK_TTL / 60,
    });
    return { kind: 'sent', email: address, returnTo };
  }

  /** GET /auth/email/link?token= — the link from the message. */
  async open(req: Request, res: Response, token: unknown): Promise<EmailOutcome> {
    if (!this.enabled) return { kind: 'refused', reason: 'provider_unknown', returnTo: '/' };
    if (!isSecretShaped(token)) return this.refuse(req, 'attempt_invalid');
    const link = await this.links.find(token);
    if (!link) return this.refuse(req, 'attempt_invalid');
    const binding = this.cookies.read(req, 'login');
    if (binding && sameBytes(sha256(binding), link.browserHash)) return this.complete(req, res, token);
    // Another browser or device (or a mail scanner following links): nothing is used up; the person
    // sees which address they would be signed in as and decides.
    return { kind: 'confirm', email: link.email, token, returnTo: link.returnTo };
  }

  /** POST /auth/email/confirm — "Sign in on this device". */
  async confirm(req: Request, res: Response, body: unknown): Promise<EmailOutcome> {
    if (!this.enabled) return { kind: 'refused', reason: 'provider_unknown', returnTo: '/' };
    const fields = (body ?? {}) as Record<string, unknown>;
    if (!this.csrf.verify(req, fields.csrf)) return this.refuse(req, 'csrf_failed');
    if (!isSecretShaped(fields.token)) return this.refuse(req, 'attempt_invalid');
    return this.complete(req, res, fields.token);
  }

  private async complete(req: Request, res: Response, token: string): Promise<EmailOutcome> {
    // Single use: whatever happens next, this link can never be used again.
    const link = await this.links.consume(token);
    if (!link) return this.refuse(req, 'attempt_invalid');
    try {
      await this.signIn.complete(req, res, this.profile(link.email));
    } catch (error) {
      if (error instanceof SignInRefused)
        return { kind: 'refused', reason: error.reason, returnTo: link.returnTo };
      throw error;
    }
    return { kind: 'redirect', url: link.returnTo };
  }

  /** Receiving the message proves the address: it counts as verified (AccountService links by it). */
  private profile(address: string): UpstreamProfile {
    return {
      provider: EMAIL_PROVIDER,
      issuer: EMAIL_PROVIDER,
      subject: address,
      username: null,
      displayName: address.slice(0, address.lastIndexOf('@')),
      displayNameIsPlaceholder: true,
      email: address,
      emailVerified: true,
      avatarUrl: null,
    };
  }

  private async refuse(
    req: Request,
    reason: SignInRefusal,
    returnTo = '/',
    detail?: string,
  ): Promise<EmailOutcome> {
    await this.signIn.refused(req, EMAIL_PROVIDER, reason, detail);
    return { kind: 'refused', reason, returnTo };
  }
}
