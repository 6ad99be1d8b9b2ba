import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserEntity } from '../entities/user.entity';
import { UserRepository } from './user.repository';
import { SignInRefused, type UpstreamProfile } from './upstream-profile';

export interface AccountResolution {
  readonly user: UserEntity;
  readonly identityId: string;
  /** A user row was created for this sign-in. */
  readonly createdUser: boolean;
  /** A new identity was attached to an existing user (verified-email linking). */
  readonly linked: boolean;
}

/**
 * Maps a proven upstream identity to our user.
 *
 * Account-linking rule (documented in docs/sign-in.md):
 *  1. An identity is (provider, issuer, subject) — the provider's stable id, never a username or an
 *     email local part. A known identity always signs in its own user.
 *  2. A new identity is attached to an existing user ONLY when the provider reports the email as
 *     verified AND exactly one existing user holds that same address as a verified email (verified by
 *     another provider earlier) AND that user has no identity from the same provider and issuer yet
 *     (two accounts the provider itself says are different stay different people, e.g. a company
 *     address reassigned to a new employee in the same IdP). The address is compared lower-cased.
 *  3. Otherwise a new user is created. In particular the dev login's self-asserted address is never
 *     verified, so it neither links to nor receives links from real accounts, and a provider that
 *     does not assert `email_verified` never merges accounts.
 */
@Injectable()
export class AccountService {
  constructor(private readonly users: UserRepository) {}

  async resolve(manager: EntityManager, profile: UpstreamProfile): Promise<AccountResolution> {
    const now = new Date();
    const key = { provider: profile.provider, issuer: profile.issuer, subject: profile.subject };
    const existing = await this.users.findIdentity(manager, key);
    if (existing?.user) {
      const user = existing.user;
      if (user.disabled) throw new SignInRefused('user_disabled');
      await this.users.updateIdentity(manager, existing.id, {
        username: profile.username,
        email: profile.email,
        emailVerified: profile.emailVerified,
        lastSignInAt: now,
      });
      const changes = this.profileChanges(user, existing.email, profile);
      await this.users.updateUser(manager, user.id, { ...changes, lastSignInAt: now });
      return { user: { ...user, ...changes }, identityId: existing.id, createdUser: false, linked: false };
    }

    let user: UserEntity | undefined;
    if (profile.email && profile.emailVerified) {
      const candidates = await this.users.findByVerifiedEmail(manager, profile.email);
      // Exactly one: an ambiguous address links to nobody.
      if (
        candidates.length === 1 &&
        !(await this.users.hasIdentityFrom(manager, candidates[0].id, profile.provider, profile.issuer))
      ) {
        user = candidates[0];
      }
      if (user?.disabled) throw new SignInRefused('user_disabled');
    }
    const linked = user !== undefined;
    if (!user) {
      user = {
        id: randomUUID(),
        email: profile.email,
        emailVerified: profile.email !== null && profile.emailVerified,
        displayName: profile.displayName,
        avatarUrl: profile.avatarUrl,
        disabled: false,
        createdAt: now,
        updatedAt: now,
        lastSignInAt: now,
      };
      await this.users.insertUser(manager, user);
    } else {
      await this.users.updateUser(manager, user.id, { lastSignInAt: now });
    }
    const identityId = randomUUID();
    await this.users.insertIdentity(manager, {
      id: identityId,
      userId: user.id,
      provider: profile.provider,
      issuer: profile.issuer,
      subject: profile.subject,
      username: profile.username,
      email: profile.email,
      emailVerified: profile.emailVerified,
      lastSignInAt: now,
    });
    return { user, identityId, createdUser: !linked, linked };
  }

  /**
   * Name and avatar follow the identity used to sign in. The email follows it only when the user has
   * no verified address yet, or when the user's address came from this very identity.
   */
  private profileChanges(
    user: UserEntity,
    previousIdentityEmail: string | null,
    profile: UpstreamProfile,
  ): Partial<UserEntity> {
    const changes: Partial<UserEntity> = {
      displayName: profile.displayNameIsPlaceholder ? user.displayName : profile.displayName,
      avatarUrl: profile.avatarUrl ?? user.avatarUrl,
    };
    const ownsAddress = user.email === null || !user.emailVerified || user.email === previousIdentityEmail;
    if (profile.email && ownsAddress && (profile.emailVerified || !user.emailVerified)) {
      changes.email = profile.email;
      changes.emailVerified = profile.emailVerified;
    }
    return changes;
  }
}
