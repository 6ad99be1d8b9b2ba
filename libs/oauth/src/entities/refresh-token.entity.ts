import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { GrantEntity } from './grant.entity';

/** Rotating refresh token: consumed_at / replaced_by drive rotation and reuse detection. */
@Entity({ name: 'oauth_refresh_tokens' })
@Index('UQ_oauth_refresh_tokens_hash', ['tokenHash'], { unique: true })
@Index('IDX_oauth_refresh_tokens_grant', ['grantId'])
export class RefreshTokenEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_oauth_refresh_tokens' })
  id: string;

  @Column({ name: 'token_hash', type: 'bytea', select: false })
  tokenHash: Buffer;

  @Column({ name: 'grant_id', type: 'uuid' })
  @ForeignKey(() => GrantEntity, 'id', { name: 'FK_oauth_refresh_tokens_grant', onDelete: 'CASCADE' })
  grantId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  @Column({ name: 'replaced_by', type: 'uuid', nullable: true })
  replacedBy: string | null;

  /**
   * The token response given when this token was consumed, sealed under a key derived from this
   * (plaintext) refresh token, for its retries within the reuse grace window. The database alone
   * cannot open it.
   */
  @Column({ name: 'grace_response', type: 'bytea', nullable: true, select: false })
  graceResponse: Buffer | null;
}
