import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches } from 'class-validator';
import { blankToUndefined, defineConfigSlice, list, type AppConfig } from '@app/config';

/** Enterprise-managed authorization: identity assertion grants (ID-JAG) from company IdPs (EXT-EMA-*). */
export class EnterpriseEnvironment {
  @IsOptional() @Transform(blankToUndefined) @IsString() ENTERPRISE_IDP_ISSUERS?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*[^\s,]+(\s*,\s*[^\s,]+)*\s*$/, {
    message: 'ENTERPRISE_IDP_CLIENTS must be a comma list of client ids',
  })
  ENTERPRISE_IDP_CLIENTS?: string;
}

declare module '@app/config' {
  interface AppConfig {
    /** Enterprise-managed authorization (trustedIdpIssuers adds the company SSO issuer). */
    readonly enterprise: {
      /** ENTERPRISE_IDP_ISSUERS: IdPs trusted besides OIDC_ISSUER. */
      readonly idpIssuers: readonly string[];
      /** ENTERPRISE_IDP_CLIENTS: the clients that may present an ID-JAG; empty = every client that authenticates. */
      readonly clients: readonly string[];
    };
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An issuer identifier (RFC 8414 §2): https, no query or fragment; http only for loopback outside production. */
function issuerProblem(issuer: string, isProduction: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    url = new URL('invalid:');
  }
  const secure =
    url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname) && !isProduction);
  if (secure && !url.search && !url.hash && !url.username && !issuer.includes('?') && !issuer.includes('#')) {
    return undefined;
  }
  return `ENTERPRISE_IDP_ISSUERS entry "${issuer}" must be an issuer URL such as https://login.example.com (https, no query)`;
}

export const ENTERPRISE_CONFIG = defineConfigSlice({
  schema: EnterpriseEnvironment,
  variables: {
    ENTERPRISE_IDP_ISSUERS: {
      meaning:
        "company IdPs whose identity assertion grants (ID-JAG) are accepted at the token endpoint, besides `OIDC_ISSUER` (trusted whenever company SSO is on); comma list of issuer URLs, keys from each one's discovery document ([enterprise.md](enterprise.md))",
      default: 'unset (only `OIDC_ISSUER`, if set)',
    },
    ENTERPRISE_IDP_CLIENTS: {
      meaning:
        'client ids that may present an ID-JAG (comma list); unset, every client that authenticates may',
      default: 'unset (every authenticated client)',
    },
  },
  check: (env, core) =>
    list(env.ENTERPRISE_IDP_ISSUERS)
      .map((issuer) => issuerProblem(issuer, core.isProduction))
      .filter((p): p is string => p !== undefined),
  map: (env): Pick<AppConfig, 'enterprise'> => ({
    enterprise: {
      idpIssuers: [...new Set(list(env.ENTERPRISE_IDP_ISSUERS))],
      clients: list(env.ENTERPRISE_IDP_CLIENTS),
    },
  }),
});
