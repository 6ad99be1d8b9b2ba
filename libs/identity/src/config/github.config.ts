import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUrl } from 'class-validator';
import { blankToUndefined, defineConfigSlice, httpUrl, list } from '@app/config';
import { credentialPairProblems } from './credential-pair';

/** Sign-in with GitHub (github.com or GitHub Enterprise Server). */
export class GithubEnvironment {
  @IsOptional() @Transform(blankToUndefined) @IsString() GITHUB_CLIENT_ID?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() GITHUB_CLIENT_SECRET?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_AUTHORIZATION_URL must be an absolute http(s) URL' })
  GITHUB_AUTHORIZATION_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_TOKEN_URL must be an absolute http(s) URL' })
  GITHUB_TOKEN_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_USER_PROFILE_URL must be an absolute http(s) URL' })
  GITHUB_USER_PROFILE_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_USER_EMAIL_URL must be an absolute http(s) URL' })
  GITHUB_USER_EMAIL_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_API_URL must be an absolute http(s) URL' })
  GITHUB_API_URL?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() GITHUB_ALLOWED_ORGS?: string;
}

export interface GithubProviderConfig {
  clientId: string;
  clientSecret: string;
  authorizationUrl: string;
  tokenUrl: string;
  userProfileUrl: string;
  userEmailUrl: string;
  /** Base of the REST API, used for the organisation membership check. */
  apiUrl: string;
  allowedOrgs: readonly string[];
}

declare module '@app/config' {
  interface SignInProviders {
    readonly github: GithubProviderConfig | undefined;
  }
}

export const GITHUB_CONFIG = defineConfigSlice({
  schema: GithubEnvironment,
  variables: {
    GITHUB_CLIENT_ID: {
      meaning: 'client id of your GitHub OAuth app; with the secret, enables GitHub sign-in',
      default: 'unset',
    },
    GITHUB_CLIENT_SECRET: { meaning: 'client secret of that app', default: 'unset' },
    GITHUB_AUTHORIZATION_URL: {
      meaning: 'GitHub Enterprise Server (and test fakes): the authorization URL',
      default: '`https://github.com/login/oauth/authorize`',
    },
    GITHUB_TOKEN_URL: {
      meaning: 'GitHub Enterprise Server (and test fakes): the token URL',
      default: '`https://github.com/login/oauth/access_token`',
    },
    GITHUB_USER_PROFILE_URL: {
      meaning: 'GitHub Enterprise Server (and test fakes): the profile URL',
      default: '`<GITHUB_API_URL>/user`',
    },
    GITHUB_USER_EMAIL_URL: {
      meaning: 'GitHub Enterprise Server (and test fakes): the email list URL',
      default: '`<GITHUB_API_URL>/user/emails`',
    },
    GITHUB_API_URL: {
      meaning: 'GitHub Enterprise Server (and test fakes): the API base URL',
      default: '`https://api.github.com`',
    },
    GITHUB_ALLOWED_ORGS: {
      meaning: 'only members of these organisations may sign in (comma list)',
      default: 'unset (anyone)',
    },
  },
  check: (env) => credentialPairProblems(env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET, 'GITHUB'),
  map: (env) => {
    const api = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
    const github: GithubProviderConfig | undefined =
      env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET
        ? {
            clientId: env.GITHUB_CLIENT_ID,
            clientSecret: env.GITHUB_CLIENT_SECRET,
            authorizationUrl: env.GITHUB_AUTHORIZATION_URL ?? 'https://github.com/login/oauth/authorize',
            tokenUrl: env.GITHUB_TOKEN_URL ?? 'https://github.com/login/oauth/access_token',
            userProfileUrl: env.GITHUB_USER_PROFILE_URL ?? `${api}/user`,
            userEmailUrl: env.GITHUB_USER_EMAIL_URL ?? `${api}/user/emails`,
            apiUrl: api,
            allowedOrgs: list(env.GITHUB_ALLOWED_ORGS).map((o) => o.toLowerCase()),
          }
        : undefined;
    return { providers: { github } };
  },
});
