import type { AppConfig } from '@app/config';

/**
 * How pages name the IdP that granted access (EXT-EMA-08): the company SSO's display name
 * (OIDC_DISPLAY_NAME) for its issuer, otherwise the issuer's host.
 */
export function idpName(issuer: string, config: AppConfig): string {
  const sso = config.providers.oidc;
  if (sso && sso.issuer === issuer) return sso.displayName;
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
}
