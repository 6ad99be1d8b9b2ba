import { PassportStrategy } from '@nestjs/passport';
import type { Strategy } from 'passport';
import { Strategy as GoogleStrategy, type Profile, type StrategyOptions } from 'passport-google-oauth20';
import type { AppConfig } from '@app/config';
import type { GoogleProviderConfig } from '../config/google.config';
import { SignInRefused, type UpstreamProfile } from '../users/upstream-profile';
import { AttemptContextStateStore } from './attempt-context';
import type { IdentityProviderDefinition } from './identity-provider-definition';
import { PassportIdentityProvider } from './passport-identity-provider';

/** Google accounts are keyed by Google's `sub`, whatever host the (overridable) endpoints are on. */
const GOOGLE_ISSUER = 'https://accounts.google.com';

/**
 * passport-google-oauth20 through @nestjs/passport, with PKCE and our server-side state. Identity =
 * the OpenID Connect `sub` from the userinfo endpoint; email only counts as verified when
 * `email_verified` is true.
 */
export class GooglePassportStrategy extends PassportStrategy(GoogleStrategy, 'google') {
  constructor(google: GoogleProviderConfig, callbackURL: string) {
    super({
      clientID: google.clientId,
      clientSecret: google.clientSecret,
      callbackURL,
      authorizationURL: google.authorizationUrl,
      tokenURL: google.tokenUrl,
      userProfileURL: google.userProfileUrl,
      scope: ['openid', 'email', 'profile'],
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

  validate(_accessToken: string, _refreshToken: string, profile: Profile): UpstreamProfile {
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
    };
  }
}

export class GoogleIdentityProvider extends PassportIdentityProvider {
  readonly key = 'google';
  readonly displayName = 'Google';
  private readonly instance: GooglePassportStrategy;

  constructor(config: AppConfig, google: GoogleProviderConfig) {
    super();
    this.instance = new GooglePassportStrategy(google, `${config.publicUrl}/auth/google/callback`);
  }

  protected async strategy(): Promise<Strategy> {
    return this.instance;
  }
}

export const googleProviderDefinition: IdentityProviderDefinition = {
  key: 'google',
  create: (config) =>
    config.providers.google ? new GoogleIdentityProvider(config, config.providers.google) : null,
};
