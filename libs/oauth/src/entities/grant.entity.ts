import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { CoveredTools } from '../tool-coverage/tool-coverage';
import { OAuthClientEntity } from './oauth-client.entity';

/** One chain of tokens from one authorization; revoking it revokes every code and token on it. */
@Entity({ name: 'oauth_grants' })
@Index('IDX_oauth_grants_user', ['userId'])
@Index('IDX_oauth_grants_client', ['clientId'])
export class GrantEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_oauth_grants' })
  id: string;

  /** The person who approved; null for a client_credentials grant (RFC 6749 §4.4: the client alone). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  @ForeignKey('users', 'id', { name: 'FK_oauth_grants_user', onDelete: 'CASCADE' })
  userId: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  @ForeignKey(() => OAuthClientEntity, 'clientId', { name: 'FK_oauth_grants_client', onDelete: 'CASCADE' })
  clientId: string;

  /** The scopes the user granted; a refresh may only narrow them (RFC 6749 §6). */
  @Column({ type: 'text', array: true })
  scopes: string[];

  /** RFC 8707 resource every token of this grant is bound to. */
  @Column({ type: 'text' })
  resource: string;

  /** EXT-RC-01: per granted scope, the tools the person approved with it (NULL: before records; EXT-RC-05). */
  @Column({ name: 'covered_tools', type: 'jsonb', nullable: true })
  coveredTools: CoveredTools | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** When the person last approved on a page; the grant ends GRANT_MAX_LIFETIME after it. */
  @Column({ name: 'approved_at', type: 'timestamptz', default: () => 'now()' })
  approvedAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 64, nullable: true })
  revokedReason: string | null;

  /** The company IdP whose identity assertion grant (ID-JAG) made this grant; null: approved here. */
  @Column({ name: 'granted_by_issuer', type: 'text', nullable: true })
  grantedByIssuer: string | null;

  /** Last successful use of one of its access tokens; written at most once a minute. */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
