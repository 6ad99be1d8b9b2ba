import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { OAuthClientEntity } from '../entities/oauth-client.entity';

/**
 * The PostgreSQL cache of Client ID Metadata Documents (AS-REG-04, LB-06: shared by every replica).
 * One row per document URL, tied to the oauth_clients row that stands for the URL client.
 */
@Entity({ name: 'cimd_documents' })
@Index('UQ_cimd_documents_client', ['clientId'], { unique: true })
export class CimdDocumentEntity {
  @PrimaryColumn({ type: 'varchar', length: 2000, primaryKeyConstraintName: 'PK_cimd_documents' })
  url: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  @ForeignKey(() => OAuthClientEntity, 'clientId', { name: 'FK_cimd_documents_client', onDelete: 'CASCADE' })
  clientId: string;

  /** The document as fetched (validated; at most 5 KB). */
  @Column({ type: 'jsonb' })
  document: Record<string, unknown>;

  @Column({ name: 'redirect_uris', type: 'text', array: true })
  redirectUris: string[];

  /** When the document's redirect_uris last changed: consent given before this is not remembered. */
  @Column({ name: 'redirect_uris_changed_at', type: 'timestamptz' })
  redirectUrisChangedAt: Date;

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt: Date;

  /** Cache-Control max-age within [5 min, 24 h]: the document is fetched again after this. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
