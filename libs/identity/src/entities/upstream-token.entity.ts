import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * The token a person's upstream account (GitHub, Google) gave this server for the tools that act on
 * it (UP-11). Both tokens are sealed with AES-256-GCM, bound to (user_id, provider) as AAD (UP-12);
 * the columns are never selected by default and never leave libs/identity.
 */
@Entity({ name: 'upstream_tokens' })
export class UpstreamTokenEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_upstream_tokens' })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 32, primaryKeyConstraintName: 'PK_upstream_tokens' })
  provider: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_upstream_tokens_user' })
  user?: UserEntity;

  @Column({ name: 'access_token', type: 'bytea', select: false })
  accessToken: Buffer;

  @Column({ name: 'refresh_token', type: 'bytea', nullable: true, select: false })
  refreshToken: Buffer | null;

  /** Null when the provider's token does not expire (a classic GitHub OAuth app token). */
  @Column({ name: 'access_expires_at', type: 'timestamptz', nullable: true })
  accessExpiresAt: Date | null;

  @Column({ name: 'refresh_expires_at', type: 'timestamptz', nullable: true })
  refreshExpiresAt: Date | null;

  /** The scopes the provider says it granted (space-separated), for the account page. */
  @Column({ type: 'varchar', length: 2048, default: '' })
  scopes: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
