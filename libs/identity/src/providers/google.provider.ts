import { PassportStrategy } from '@nestjs/passport';
import type { Strategy } from 'passport';
import { Strategy as GoogleStrategy, type Profile, type StrategyOptions } from 'passport-google-oauth20';
import type { AppConfig } from '@app/config';
import type { GoogleProviderConfig } from '../config/google.config';
import { SignInRefused, type UpstreamProfile } from '../users/upstream-profile';
import { AttemptContextStateStore } from './attempt-context';
import { toTokenSet } from '../upstream-tokens/upstream-refresh';
import type { IdentityProviderDefinition, UpstreamSignInNeeds } from './identity-provider-definition';
import { PassportIdentityProvider } from './passport-identity-provider';

/** Google accounts are keyed by Google's `sub`, whatever host the (overridable) endpoints are on. */
const GOOGLE_ISSUER = 'https://accounts.google.com';

/**
 * passport-google-oauth20 through @nestjs/passport, with PKCE and our server-side state. Identity =
 * the OpenID Connect `sub` from the userinfo endpoint; email only counts as verified when
 * `email_verified` is true.
 */
export class GooglePassportStrategy extends PassportStrategy(GoogleStrategy, 'google', 5) {
  constructor(
    google: GoogleProviderConfig,
    callbackURL: string,
    private readonly upstream: UpstreamSignInNeeds = { scopes: [], keepTokens: false },
  ) {
    super({
      clientID: google.clientId,
      clientSecret: google.clientSecret,
      callbackURL,
      authorizationURL: google.authorizationUrl,
      tokenURL: google.tokenUrl,
      userProfileURL: google.userProfileUrl,
      scope: [...new Set(['openid', 'email', 'profile', ...upstream.scopes])],
      state: true,
      pkce: true,
      store: new AttemptContextStateStore(),
    } as unknown as StrategyOptions);
    // Send the access token to userinfo in the Authorization header, not in the URL (RS-TOK-07 spirit:
    // tokens in query strings end up in proxy logs).
    (
      this as unknown as { _oauth2: { useAuthorizationHeaderforGET(on: boolean): void } }
    )._oauth2.useAuthorizationHeaderforGET(true);
  }

  /** A refresh token only comes with offline access: asked for only when a tool needs the API (UP-11). */
  override authorizationParams(options: object): object {
    const params = super.authorizationParams(options) as Record<string, string>;
    return this.upstream.keepTokens ? { ...params, access_type: 'offline' } : params;
  }

  validate(
    accessToken: string,
    refreshToken: string,
    params: Record<string, unknown>,
    profile: Profile,
  ): UpstreamProfile {
    const json = (profile as unknown as { _json?: Record<string, unknown> })._json ?? {};
    const sub = json.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) {
      throw new SignInRefused('upstream_failed', 'Google userinfo without a sub');
    }
    const email = typeof json.email === 'string' ? json.email.toLowerCase() : null;
    const verified = json.email_verified === true || json.email_verified === 'true';
    const name = typeof json.name === 'string' && json.name.trim() ? json.name.trim() : null;
    return {
      provider: 'google',
      issuer: GOOGLE_ISSUER,
      subject: sub,
      username: null,
      displayName: (name ?? email ?? 'Google user').slice(0, 255),
      email: email && verified ? email : null,
      emailVerified: email !== null && verified,
      avatarUrl: typeof json.picture === 'string' ? json.picture.slice(0, 2048) : null,
      ...(this.upstream.keepTokens && {
        upstreamTokens:
          toTokenSet({ ...params, access_token: accessToken, refresh_token: refreshToken }) ?? undefined,
      }),
    };
  }
}

export class GoogleIdentityProvider extends PassportIdentityProvider {
  readonly key = 'google';
  readonly displayName = 'Google';
  private readonly instance: GooglePassportStrategy;

  constructor(config: AppConfig, google: GoogleProviderConfig, upstream?: UpstreamSignInNeeds) {
    super();
    this.instance = new GooglePassportStrategy(google, `${config.publicUrl}/auth/google/callback`, upstream);
  }

  protected async strategy(): Promise<Strategy> {
    return this.instance;
  }
}

export const googleProviderDefinition: IdentityProviderDefinition = {
  key: 'google',
  create: (config, upstream) =>
    config.providers.google ? new GoogleIdentityProvider(config, config.providers.google, upstream) : null,
};
