import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUrl } from 'class-validator';
import { blankToUndefined, defineConfigSlice, httpUrl } from '@app/config';
import { credentialPairProblems } from './credential-pair';

/** Sign-in with Google. */
export class GoogleEnvironment {
  @IsOptional() @Transform(blankToUndefined) @IsString() GOOGLE_CLIENT_ID?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() GOOGLE_CLIENT_SECRET?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GOOGLE_AUTHORIZATION_URL must be an absolute http(s) URL' })
  GOOGLE_AUTHORIZATION_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GOOGLE_TOKEN_URL must be an absolute http(s) URL' })
  GOOGLE_TOKEN_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GOOGLE_USER_PROFILE_URL must be an absolute http(s) URL' })
  GOOGLE_USER_PROFILE_URL?: string;
}

export interface GoogleProviderConfig {
  clientId: string;
  clientSecret: string;
  authorizationUrl: string;
  tokenUrl: string;
  userProfileUrl: string;
}

declare module '@app/config' {
  interface SignInProviders {
    readonly google: GoogleProviderConfig | undefined;
  }
}

export const GOOGLE_CONFIG = defineConfigSlice({
  schema: GoogleEnvironment,
  variables: {
    GOOGLE_CLIENT_ID: {
      meaning: 'client id of your Google OAuth client; with the secret, enables Google sign-in',
      default: 'unset',
    },
    GOOGLE_CLIENT_SECRET: { meaning: 'client secret of that client', default: 'unset' },
    GOOGLE_AUTHORIZATION_URL: {
      meaning: "override of Google's authorization URL (tests)",
      default: "Google's",
    },
    GOOGLE_TOKEN_URL: { meaning: "override of Google's token URL (tests)", default: "Google's" },
    GOOGLE_USER_PROFILE_URL: { meaning: "override of Google's user-info URL (tests)", default: "Google's" },
  },
  check: (env) => credentialPairProblems(env.GOOGLE_CLIENT_ID, env.GOOGLE_CLIENT_SECRET, 'GOOGLE'),
  map: (env) => {
    const google: GoogleProviderConfig | undefined =
      env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET
        ? {
            clientId: env.GOOGLE_CLIENT_ID,
            clientSecret: env.GOOGLE_CLIENT_SECRET,
            authorizationUrl: env.GOOGLE_AUTHORIZATION_URL ?? 'https://accounts.google.com/o/oauth2/v2/auth',
            tokenUrl: env.GOOGLE_TOKEN_URL ?? 'https://oauth2.googleapis.com/token',
            userProfileUrl: env.GOOGLE_USER_PROFILE_URL ?? 'https://openidconnect.googleapis.com/v1/userinfo',
          }
        : undefined;
    return { providers: { google } };
  },
});
