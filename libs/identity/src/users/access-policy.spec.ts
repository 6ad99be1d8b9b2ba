import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@app/config';
import { SIGN_IN_CONFIG } from '../config/sign-in.config';
import { AccessPolicy } from './access-policy';
import type { UpstreamProfile } from './upstream-profile';

const person = (p: Partial<UpstreamProfile>): UpstreamProfile => ({
  provider: 'google',
  issuer: 'https://accounts.google.com',
  subject: 's',
  username: null,
  displayName: 'P',
  email: null,
  emailVerified: false,
  avatarUrl: null,
  ...p,
});

const policy = (domains?: string) =>
  new AccessPolicy(
    loadConfig({ NODE_ENV: 'test', ...(domains ? { ALLOWED_EMAIL_DOMAINS: domains } : {}) }, [
      SIGN_IN_CONFIG,
    ]),
  );

describe('AccessPolicy (ALLOWED_EMAIL_DOMAINS)', () => {
  it('admits anyone when no domain list is set', () => {
    assert.doesNotThrow(() => policy().check(person({})));
  });

  it('needs a verified email whose domain is exactly in the list', () => {
    const p = policy('corp.example, Other.Example');
    assert.doesNotThrow(() => p.check(person({ email: 'a@corp.example', emailVerified: true })));
    assert.doesNotThrow(() => p.check(person({ email: 'a@other.example', emailVerified: true })));
    assert.throws(() => p.check(person({ email: 'a@sub.corp.example', emailVerified: true })), {
      reason: 'email_domain_not_allowed',
    });
    assert.throws(() => p.check(person({ email: 'a@corp.example.evil', emailVerified: true })), {
      reason: 'email_domain_not_allowed',
    });
    assert.throws(() => p.check(person({ email: 'a@corp.example', emailVerified: false })), {
      reason: 'verified_email_required',
    });
    assert.throws(() => p.check(person({ email: null })), { reason: 'verified_email_required' });
  });

  it('holds the dev login (self-asserted address) to the same list', () => {
    const p = policy('corp.example');
    assert.doesNotThrow(() => p.check(person({ provider: 'dev', email: 'd@corp.example' })));
    assert.throws(() => p.check(person({ provider: 'dev', email: 'd@else.example' })), {
      reason: 'email_domain_not_allowed',
    });
  });
});
