import { Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Strategy } from 'passport';
import { Strategy as GitHubStrategy, type Profile, type StrategyOptions } from 'passport-github2';
import type { AppConfig } from '@app/config';
import type { GithubProviderConfig } from '../config/github.config';
import { SignInRefused, type UpstreamProfile } from '../users/upstream-profile';
import { AttemptContextStateStore } from './attempt-context';
import { toTokenSet } from '../upstream-tokens/upstream-refresh';
import type { IdentityProviderDefinition, UpstreamSignInNeeds } from './identity-provider-definition';
import {
  describeUpstreamError,
  PassportIdentityProvider,
  UPSTREAM_TIMEOUT_MS,
} from './passport-identity-provider';

interface GithubEmail {
  value: string;
  primary?: boolean;
  verified?: boolean;
}

/**
 * passport-github2 through @nestjs/passport. Every URL comes from the config (GitHub Enterprise
 * Server, test fakes). Identity = GitHub's numeric user id (a login can be renamed and re-registered
 * by someone else); email = the primary address only if GitHub marks it verified (/user/emails).
 * With GITHUB_ALLOWED_ORGS, membership is checked at every sign-in with the user's token. The token
 * is never passed on (RS-TOK-06); it is dropped, unless a tool uses the GitHub API: then the scopes
 * the tools declared are asked for too and the tokens go to the vault, sealed (UP-11, UP-12).
 */
// Arity 5: passport-oauth2 then hands validate() the token response (expires_in, scope …) as well.
export class GithubPassportStrategy extends PassportStrategy(GitHubStrategy, 'github', 5) {
  private readonly log = new Logger('GithubSignIn');

  constructor(
    private readonly github: GithubProviderConfig,
    callbackURL: string,
    private readonly upstream: UpstreamSignInNeeds = { scopes: [], keepTokens: false },
  ) {
    const scope = [
      ...new Set([
        'read:user',
        'user:email',
        ...(github.allowedOrgs.length > 0 ? ['read:org'] : []),
        ...upstream.scopes,
      ]),
    ];
    super({
      clientID: github.clientId,
      clientSecret: github.clientSecret,
      callbackURL,
      authorizationURL: github.authorizationUrl,
      tokenURL: github.tokenUrl,
      userProfileURL: github.userProfileUrl,
      userEmailURL: github.userEmailUrl,
      allRawEmails: true,
      scope,
      state: true,
      pkce: true,
      store: new AttemptContextStateStore(),
      customHeaders: { 'User-Agent': 'mcp-auth-server' },
    } as unknown as StrategyOptions);
  }

  async validate(
    accessToken: string,
    refreshToken: string,
    params: Record<string, unknown>,
    profile: Profile,
  ): Promise<UpstreamProfile> {
    const json = (profile as unknown as { _json?: Record<string, unknown> })._json ?? {};
    const id = json.id;
    const subject = typeof id === 'number' || typeof id === 'string' ? String(id) : '';
    if (!/^\d{1,20}$/.test(subject))
      throw new SignInRefused('upstream_failed', 'GitHub profile without a numeric id');
    const emails = (profile.emails ?? []) as GithubEmail[];
    const primary = emails.find((e) => e.primary === true && e.verified === true);
    if (this.github.allowedOrgs.length > 0) await this.checkOrganisations(accessToken);
    const login = typeof json.login === 'string' ? json.login : (profile.username ?? null);
    const name = typeof json.name === 'string' && json.name.trim() ? json.name.trim() : null;
    return {
      provider: 'github',
      issuer: new URL(this.github.authorizationUrl).origin,
      subject,
      username: login,
      displayName: (name ?? login ?? `GitHub user ${subject}`).slice(0, 255),
      email: primary ? primary.value.toLowerCase() : null,
      emailVerified: primary !== undefined,
      avatarUrl: typeof json.avatar_url === 'string' ? json.avatar_url.slice(0, 2048) : null,
      ...(this.upstream.keepTokens && {
        upstreamTokens:
          toTokenSet({ ...params, access_token: accessToken, refresh_token: refreshToken }) ?? undefined,
      }),
    };
  }

  /** GET /user/orgs (paginated) must list one of GITHUB_ALLOWED_ORGS (case-insensitive). */
  private async checkOrganisations(accessToken: string): Promise<void> {
    let url: string | null = `${this.github.apiUrl}/user/orgs?per_page=100`;
    for (let page = 0; url && page < 10; page++) {
      let res: Response;
      try {
        res = await fetch(url, {
          headers: {
            authorization: `Bearer ${accessToken}`,
            accept: 'application/vnd.github+json',
            'user-agent': 'mcp-auth-server',
          },
          signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
        });
      } catch (error) {
        throw new SignInRefused('upstream_failed', `GitHub /user/orgs: ${describeUpstreamError(error)}`);
      }
      if (!res.ok) throw new SignInRefused('upstream_failed', `GitHub /user/orgs answered ${res.status}`);
      const orgs = await res.json();
      if (!Array.isArray(orgs)) throw new SignInRefused('upstream_failed', 'GitHub /user/orgs is not a list');
      for (const org of orgs as Array<{ login?: unknown }>) {
        if (typeof org.login === 'string' && this.github.allowedOrgs.includes(org.login.toLowerCase()))
          return;
      }
      url = nextLink(res.headers.get('link'));
    }
    this.log.log('GitHub user is in none of GITHUB_ALLOWED_ORGS');
    throw new SignInRefused('org_not_allowed');
  }
}

function nextLink(header: string | null): string | null {
  const match = header ? /<([^>]+)>;\s*rel="next"/.exec(header) : null;
  return match ? match[1] : null;
}

export class GithubIdentityProvider extends PassportIdentityProvider {
  readonly key = 'github';
  readonly displayName = 'GitHub';
  private readonly instance: GithubPassportStrategy;

  constructor(config: AppConfig, github: GithubProviderConfig, upstream?: UpstreamSignInNeeds) {
    super();
    this.instance = new GithubPassportStrategy(github, `${config.publicUrl}/auth/github/callback`, upstream);
  }

  protected async strategy(): Promise<Strategy> {
    return this.instance;
  }
}

export const githubProviderDefinition: IdentityProviderDefinition = {
  key: 'github',
  create: (config, upstream) =>
    config.providers.github ? new GithubIdentityProvider(config, config.providers.github, upstream) : null,
};
