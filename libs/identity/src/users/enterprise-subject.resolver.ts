import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EnterpriseSubject, EnterpriseSubjectResolution, EnterpriseSubjectResolver } from '@app/oauth';
import { AccessPolicy } from './access-policy';
import { AccountService } from './account.service';
import { SignInRefused, type UpstreamProfile } from './upstream-profile';
import { UserRepository } from './user.repository';

/** The provider key of company SSO identities: an ID-JAG's subject is the one its issuer uses for SSO. */
const SSO_PROVIDER = 'oidc';

/**
 * ENTERPRISE_SUBJECT_RESOLVER: the person an identity assertion grant names is found or created by
 * the company SSO rules (EXT-EMA-08): the identity (oidc, iss, sub), the access policy
 * (ALLOWED_EMAIL_DOMAINS) and the linking rule of AccountService. An ID-JAG often carries fewer
 * claims than an ID token: without a verified email of its own, a known identity keeps (and is
 * judged by) the address it was last seen with, and a missing name keeps the user's name.
 */
@Injectable()
export class EnterpriseSubjectResolverService implements EnterpriseSubjectResolver {
  constructor(
    private readonly users: UserRepository,
    private readonly policy: AccessPolicy,
    private readonly accounts: AccountService,
  ) {}

  async resolve(manager: EntityManager, subject: EnterpriseSubject): Promise<EnterpriseSubjectResolution> {
    const known = await this.users.findIdentity(manager, {
      provider: SSO_PROVIDER,
      issuer: subject.issuer,
      subject: subject.subject,
    });
    const asserted = subject.email !== null && subject.emailVerified ? subject.email : null;
    const email = asserted ?? known?.email ?? null;
    const profile: UpstreamProfile = {
      provider: SSO_PROVIDER,
      issuer: subject.issuer,
      subject: subject.subject,
      username: known?.username ?? null,
      displayName: subject.name ?? email ?? 'SSO user',
      displayNameIsPlaceholder: subject.name === null,
      email,
      emailVerified: asserted !== null || (known?.emailVerified ?? false),
      avatarUrl: null,
    };
    try {
      this.policy.check(profile);
      const account = await this.accounts.resolve(manager, profile);
      return { userId: account.user.id };
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      if (error.reason === 'email_domain_not_allowed' || error.reason === 'verified_email_required') {
        return { refused: error.reason };
      }
      if (error.reason === 'user_disabled') return { refused: 'user_disabled' };
      throw error;
    }
  }
}
