import type { AppConfig } from '@app/config';

/**
 * The IdPs whose ID-JAGs are accepted (EXT-EMA-03): the company SSO issuer (OIDC_ISSUER, a setting of
 * libs/identity's slice) while company SSO is on, then ENTERPRISE_IDP_ISSUERS.
 */
export function trustedIdpIssuers(config: AppConfig): string[] {
  const sso = config.providers.oidc?.issuer;
  const issuers = sso ? [sso] : [];
  for (const issuer of config.enterprise.idpIssuers) if (!issuers.includes(issuer)) issuers.push(issuer);
  return issuers;
}

/** Who may present an ID-JAG: nobody without a trusted IdP; else every client, or the listed ones. */
export interface IdJagPolicy {
  readonly enabled: boolean;
  /** ENTERPRISE_IDP_CLIENTS; empty = every client that authenticates. */
  readonly clients: readonly string[];
}

export const NO_ID_JAG: IdJagPolicy = { enabled: false, clients: [] };

export function idJagPolicy(config: AppConfig): IdJagPolicy {
  return { enabled: trustedIdpIssuers(config).length > 0, clients: config.enterprise.clients };
}
