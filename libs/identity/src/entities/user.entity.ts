import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A person. `id` is a random uuid chosen at first sign-in and never changes: it is the `sub` of every
 * token we issue (never derived from a username or email).
 */
@Entity({ name: 'users' })
@Index('IDX_users_email', ['email'])
export class UserEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_users' })
  id: string;

  /** Lower-cased. Only an upstream-verified address, or the self-asserted dev-login one (emailVerified false). */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  @Column({ name: 'display_name', type: 'varchar', length: 255 })
  displayName: string;

  @Column({ name: 'avatar_url', type: 'varchar', length: 2048, nullable: true })
  avatarUrl: string | null;

  /** A disabled user cannot sign in and their existing sessions stop resolving. */
  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'last_sign_in_at', type: 'timestamptz', nullable: true })
  lastSignInAt: Date | null;
}
