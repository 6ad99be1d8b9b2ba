import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { GrantEntity } from './grant.entity';

/** Opaque bearer token, stored as its SHA-256 digest; audience-bound (RFC 8707). */
@Entity({ name: 'oauth_access_tokens' })
@Index('UQ_oauth_access_tokens_hash', ['tokenHash'], { unique: true })
@Index('IDX_oauth_access_tokens_grant', ['grantId'])
@Index('IDX_oauth_access_tokens_expires', ['expiresAt'])
export class AccessTokenEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_oauth_access_tokens' })
  id: string;

  @Column({ name: 'token_hash', type: 'bytea', select: false })
  tokenHash: Buffer;

  @Column({ name: 'grant_id', type: 'uuid' })
  @ForeignKey(() => GrantEntity, 'id', { name: 'FK_oauth_access_tokens_grant', onDelete: 'CASCADE' })
  grantId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  /** Null for a token of a client_credentials grant (RFC 6749 §4.4). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ type: 'text' })
  audience: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
