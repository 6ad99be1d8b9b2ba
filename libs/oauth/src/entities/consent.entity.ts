import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { CoveredTools } from '../tool-coverage/tool-coverage';
import { OAuthClientEntity } from './oauth-client.entity';

/** What a user approved for a client and resource; a later request for no more skips the page. */
@Entity({ name: 'oauth_consents' })
@Index('UQ_oauth_consents_user_client_resource', ['userId', 'clientId', 'resource'], { unique: true })
@Index('IDX_oauth_consents_client', ['clientId'])
export class ConsentEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_oauth_consents' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey('users', 'id', { name: 'FK_oauth_consents_user', onDelete: 'CASCADE' })
  userId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  @ForeignKey(() => OAuthClientEntity, 'clientId', { name: 'FK_oauth_consents_client', onDelete: 'CASCADE' })
  clientId: string;

  @Column({ type: 'text' })
  resource: string;

  /** Exactly the scopes shown on the page and approved (never one the person could not be granted). */
  @Column({ type: 'text', array: true })
  scopes: string[];

  /** SHA-256 of the client's redirect URI set when approved; another set is not covered (RFC 7592). */
  @Column({ name: 'redirect_uris_digest', type: 'bytea', nullable: true })
  redirectUrisDigest: Buffer | null;

  /** EXT-RC-01: per approved scope, the tools it covered when approved (NULL: approved before records; EXT-RC-05). */
  @Column({ name: 'covered_tools', type: 'jsonb', nullable: true })
  coveredTools: CoveredTools | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
