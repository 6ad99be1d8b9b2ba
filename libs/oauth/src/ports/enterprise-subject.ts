import type { EntityManager } from 'typeorm';

/** Who an identity assertion grant (ID-JAG) names, as its trusted issuer asserts it. */
export interface EnterpriseSubject {
  /** The IdP's issuer identifier (`iss`). */
  readonly issuer: string;
  /** The IdP's subject identifier (`sub`): the same one it uses when the person signs in here by SSO. */
  readonly subject: string;
  /** Lower-cased `email`, if the assertion carries one. */
  readonly email: string | null;
  /** True only for an explicit `email_verified: true`. */
  readonly emailVerified: boolean;
  /** `name` or `preferred_username`, if any. */
  readonly name: string | null;
}

/** Why a subject is not accepted; each is a distinct `invalid_grant` description. */
export type EnterpriseSubjectRefusal =
  'email_domain_not_allowed' | 'verified_email_required' | 'user_disabled';

export type EnterpriseSubjectResolution =
  { readonly userId: string } | { readonly refused: EnterpriseSubjectRefusal };

/**
 * Maps the subject of an ID-JAG to our user by the same rules as a company SSO sign-in (the owner of
 * users, libs/identity, implements it; oauth may not import identity). `manager` is the token
 * request's transaction: a user or identity created here goes away with a refused request.
 */
export interface EnterpriseSubjectResolver {
  resolve(manager: EntityManager, subject: EnterpriseSubject): Promise<EnterpriseSubjectResolution>;
}

export const ENTERPRISE_SUBJECT_RESOLVER = Symbol('ENTERPRISE_SUBJECT_RESOLVER');
