import type { UpstreamTokenSet } from '../upstream-tokens/upstream-refresh';

/**
 * What a sign-in provider proved about the person, normalised. Upstream tokens are never passed on
 * (RS-TOK-06); they ride along only when a tool needs the provider's API, to be sealed into the
 * vault in the sign-in's transaction (UP-11, UP-12).
 */
export interface UpstreamProfile {
  /** Provider key (`github`, `google`, `oidc`, `dev`). */
  readonly provider: string;
  /** Who vouches for `subject` (issuer or provider base URL). */
  readonly issuer: string;
  /** The provider's stable id for the account: GitHub's numeric id, the OIDC/Google `sub`. */
  readonly subject: string;
  readonly username: string | null;
  readonly displayName: string;
  /** Lower-cased. */
  readonly email: string | null;
  /** True only when the provider says the address is verified (GitHub primary+verified, `email_verified`). */
  readonly emailVerified: boolean;
  readonly avatarUrl: string | null;
  /**
   * True when the provider knows no name and `displayName` is made up (the email link uses the
   * address's local part): an existing user keeps the name they have.
   */
  readonly displayNameIsPlaceholder?: boolean;
  /** The provider's tokens, only when a tool uses its API (UpstreamTokenVault.keeps). */
  readonly upstreamTokens?: UpstreamTokenSet;
}

/** Why a sign-in was refused; each has its own sentence on the error page and in the audit log. */
export type SignInRefusal =
  | 'email_domain_not_allowed'
  | 'verified_email_required'
  | 'org_not_allowed'
  | 'user_disabled'
  | 'upstream_denied'
  | 'upstream_failed'
  | 'attempt_invalid'
  | 'csrf_failed'
  | 'form_invalid'
  | 'provider_unknown'
  | 'rate_limited';

/** Thrown by strategies and policies to refuse a person with a reason (not a failure of ours). */
export class SignInRefused extends Error {
  /** Set once the refusal has been written to the audit log (so it is written once). */
  audited = false;

  constructor(
    readonly reason: SignInRefusal,
    /** For the log only; never shown, never contains secrets. */
    readonly detail?: string,
  ) {
    super(`sign-in refused: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = 'SignInRefused';
  }
}
