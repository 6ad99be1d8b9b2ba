import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * One upstream account linked to a user. The key is (provider, issuer, subject): the provider's
 * stable id (GitHub's numeric id, Google's / OIDC `sub`), qualified by the issuer so that a GitHub
 * Enterprise Server id never collides with a github.com id. Never a username or email local part.
 */
@Entity({ name: 'user_identities' })
@Index('UQ_user_identities_provider_issuer_subject', ['provider', 'issuer', 'subject'], { unique: true })
@Index('IDX_user_identities_user', ['userId'])
export class UserIdentityEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_user_identities' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_user_identities_user' })
  user?: UserEntity;

  /** Provider key: `github`, `google`, `oidc`, `dev`. */
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  /** Who vouches for `subject`: the provider's issuer / host URL (`dev` for the dev login). */
  @Column({ type: 'varchar', length: 512 })
  issuer: string;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** The upstream login name, for display only (it can change and be reused). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  username: string | null;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'last_sign_in_at', type: 'timestamptz', nullable: true })
  lastSignInAt: Date | null;
}
