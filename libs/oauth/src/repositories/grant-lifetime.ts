import type { AppConfig } from '@app/config';

/** GRANT_MAX_LIFETIME's default (90 days), for a repository built without the configuration. */
const DEFAULT_GRANT_MAX_LIFETIME = 7_776_000;

/**
 * Seconds from the person's approval (oauth_grants.approved_at) after which a grant's refresh token
 * no longer rotates (invalid_grant: they approve again); no refresh token outlives that end.
 */
export function grantMaxLifetime(config: AppConfig | undefined): number {
  return config?.tokens.grantMaxLifetime ?? DEFAULT_GRANT_MAX_LIFETIME;
}
