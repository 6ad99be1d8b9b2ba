import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUrl } from 'class-validator';
import { blankToUndefined, defineConfigSlice, httpUrl, list } from '@app/config';
import { credentialPairProblems } from './credential-pair';

/** Sign-in with a company OpenID Connect provider (Okta, Entra ID, Keycloak ...). */
export class OidcEnvironment {
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, {
    message: 'OIDC_ISSUER must be the absolute http(s) issuer URL of your identity provider',
  })
  OIDC_ISSUER?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_CLIENT_ID?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_CLIENT_SECRET?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_DISPLAY_NAME?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_SCOPES?: string;
}

export interface OidcProviderConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  displayName: string;
  scopes: readonly string[];
}

declare module '@app/config' {
  interface SignInProviders {
    readonly oidc: OidcProviderConfig | undefined;
  }
}

export const OIDC_CONFIG = defineConfigSlice({
  schema: OidcEnvironment,
  variables: {
    OIDC_ISSUER: {
      meaning:
        'company SSO (Okta, Entra ID, Keycloak ...): the issuer URL, found by discovery at the first sign-in',
      default: 'unset; needed as soon as `OIDC_CLIENT_ID` and its secret are set',
    },
    OIDC_CLIENT_ID: {
      meaning: 'company SSO: the client id at that provider; with the secret (and the issuer) it enables SSO',
      default: 'unset',
    },
    OIDC_CLIENT_SECRET: { meaning: 'company SSO: the client secret', default: 'unset' },
    OIDC_DISPLAY_NAME: { meaning: 'company SSO: the name on the sign-in button', default: '`Company SSO`' },
    OIDC_SCOPES: {
      meaning: 'company SSO: the scopes asked of the provider (comma list)',
      default: '`openid,email,profile`',
    },
  },
  check: (env) => {
    const problems = credentialPairProblems(env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET, 'OIDC');
    if (env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET && !env.OIDC_ISSUER) {
      problems.push('OIDC_ISSUER is required when OIDC_CLIENT_ID is set');
    }
    return problems;
  },
  map: (env) => {
    const oidc: OidcProviderConfig | undefined =
      env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET && env.OIDC_ISSUER
        ? {
            issuer: env.OIDC_ISSUER,
            clientId: env.OIDC_CLIENT_ID,
            clientSecret: env.OIDC_CLIENT_SECRET,
            displayName: env.OIDC_DISPLAY_NAME ?? 'Company SSO',
            scopes: list((env.OIDC_SCOPES ?? 'openid,email,profile').replace(/\s+/g, ',')),
          }
        : undefined;
    return { providers: { oidc } };
  },
});
