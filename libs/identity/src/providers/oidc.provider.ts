import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import type { Strategy } from 'passport';
import * as oidc from 'openid-client';
import {
  Strategy as OidcStrategy,
  type AuthenticateOptions,
  type StrategyOptions,
} from 'openid-client/passport';
import type { AppConfig } from '@app/config';
import type { OidcProviderConfig } from '../config/oidc.config';
import { SignInRefused, type UpstreamProfile } from '../users/upstream-profile';
import { getAttemptContext, type AttemptContext } from './attempt-context';
import type { IdentityProviderDefinition } from './identity-provider-definition';
import { PassportIdentityProvider, UPSTREAM_TIMEOUT_MS } from './passport-identity-provider';

/** openid-client's Passport strategy keeps its per-attempt data under this key of `req.session`. */
const SESSION_KEY = 'identity-oidc';

interface OidcStateData {
  code_verifier?: string;
  nonce?: string;
  state?: string;
}

type WithSession = Request & { session?: Record<string, OidcStateData | undefined> };

/**
 * openid-client 6's Passport strategy (discovery, PKCE S256, ID token validation incl. signature,
 * issuer, audience, expiry and nonce) through @nestjs/passport. We always send our own random
 * `state` and `nonce` (the library only adds state when the provider lacks PKCE, and a nonce only
 * for implicit/hybrid flows); openid-client then checks both exactly at the callback.
 */
export class OidcPassportStrategy extends PassportStrategy(OidcStrategy, 'oidc') {
  constructor(
    private readonly configuration: oidc.Configuration,
    callbackURL: string,
    scopes: readonly string[],
  ) {
    super({
      config: configuration,
      name: 'oidc',
      sessionKey: SESSION_KEY,
      callbackURL,
      scope: scopes.join(' '),
    } satisfies StrategyOptions);
  }

  override authorizationRequestParams<T extends AuthenticateOptions>(
    req: Request,
    options: T,
  ): URLSearchParams {
    const params = new URLSearchParams(super.authorizationRequestParams(req, options) ?? undefined);
    const context = getAttemptContext(req);
    if (!context?.nonce) throw new Error('no sign-in attempt in progress');
    params.set('state', context.state);
    params.set('nonce', context.nonce);
    return params;
  }

  async validate(
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  ): Promise<UpstreamProfile> {
    const claims = tokens.claims();
    if (!claims) throw new SignInRefused('upstream_failed', 'no ID token in the token response');
    let info: Record<string, unknown> = claims;
    if (typeof claims.email !== 'string' && this.configuration.serverMetadata().userinfo_endpoint) {
      // Some providers put the email only in userinfo; the subject must match the ID token's.
      info = {
        ...(await oidc.fetchUserInfo(this.configuration, tokens.access_token, claims.sub)),
        ...claims,
      };
    }
    const email = typeof info.email === 'string' ? info.email.toLowerCase() : null;
    // Only an explicit `email_verified: true` counts (Entra ID, for one, does not send it).
    const verified = email !== null && info.email_verified === true;
    const name = [info.name, info.preferred_username, email].find(
      (v): v is string => typeof v === 'string' && v.trim().length > 0,
    );
    if (claims.sub.length > 255) throw new SignInRefused('upstream_failed', 'subject too long');
    return {
      provider: 'oidc',
      issuer: claims.iss,
      subject: claims.sub,
      username: typeof info.preferred_username === 'string' ? info.preferred_username.slice(0, 255) : null,
      displayName: (name ?? 'SSO user').trim().slice(0, 255),
      email: verified ? email : null,
      emailVerified: verified,
      avatarUrl: typeof info.picture === 'string' ? info.picture.slice(0, 2048) : null,
    };
  }
}

export class OidcIdentityProvider extends PassportIdentityProvider {
  readonly key = 'oidc';
  readonly displayName: string;
  protected override readonly usesNonce = true;
  private pending: Promise<OidcPassportStrategy> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly settings: OidcProviderConfig,
  ) {
    super();
    this.displayName = settings.displayName;
  }

  /** Discovery happens at the first sign-in (a provider that is down must not stop our boot), then is reused; a failure is retried next time. */
  protected strategy(): Promise<Strategy> {
    if (!this.pending) {
      this.pending = this.discover();
      this.pending.catch(() => (this.pending = undefined));
    }
    return this.pending as unknown as Promise<Strategy>;
  }

  private async discover(): Promise<OidcPassportStrategy> {
    const configuration = await oidc.discovery(
      new URL(this.settings.issuer),
      this.settings.clientId,
      undefined,
      oidc.ClientSecretBasic(this.settings.clientSecret),
      {
        // Plain-http issuers only outside production (local IdPs and the test fakes).
        execute: this.config.isProduction ? [] : [oidc.allowInsecureRequests],
        timeout: UPSTREAM_TIMEOUT_MS / 1000,
      },
    );
    configuration.timeout = UPSTREAM_TIMEOUT_MS / 1000;
    return new OidcPassportStrategy(
      configuration,
      `${this.config.publicUrl}/auth/oidc/callback`,
      this.settings.scopes,
    );
  }

  /** The strategy reads and writes its attempt data in `req.session`; ours lives in PostgreSQL. */
  protected override beforeRun(req: Request, context: AttemptContext): void {
    (req as WithSession).session = context.codeVerifier
      ? {
          [SESSION_KEY]: {
            code_verifier: context.codeVerifier,
            nonce: context.nonce ?? undefined,
            state: context.state,
          },
        }
      : {};
  }

  protected override afterBegin(req: Request, context: AttemptContext): void {
    const stored = (req as WithSession).session?.[SESSION_KEY];
    if (stored?.code_verifier) context.generatedVerifier = stored.code_verifier;
    delete (req as WithSession).session;
  }
}

export const oidcProviderDefinition: IdentityProviderDefinition = {
  key: 'oidc',
  create: (config) =>
    config.providers.oidc ? new OidcIdentityProvider(config, config.providers.oidc) : null,
};
