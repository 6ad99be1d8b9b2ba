import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { SignInRefused, type UpstreamProfile } from './upstream-profile';

/**
 * Company access control applied to every sign-in, whatever the provider: with ALLOWED_EMAIL_DOMAINS
 * set, the person needs a verified email whose domain is exactly one of the list (subdomains are not
 * implied). The dev login's address is self-asserted; it exists only outside production and is held
 * to the same domain list so a deployment's rules can be tried locally.
 */
@Injectable()
export class AccessPolicy {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  check(profile: UpstreamProfile): void {
    const domains = this.config.allowedEmailDomains;
    if (domains.length === 0) return;
    if (!profile.email || (!profile.emailVerified && profile.provider !== 'dev')) {
      throw new SignInRefused('verified_email_required');
    }
    const domain = profile.email.slice(profile.email.lastIndexOf('@') + 1).toLowerCase();
    if (!domains.includes(domain)) throw new SignInRefused('email_domain_not_allowed', domain);
  }
}
