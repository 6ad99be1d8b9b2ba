import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One emailed sign-in link: the digest of its token (the token itself exists only in the message),
 * the address it proves, the digest of the binding cookie of the browser that asked for it, and the
 * local path to continue to (the pending authorization request). Lives in PostgreSQL so the link
 * works on any replica; valid for minutes and consumed by one conditional UPDATE (single use).
 */
@Entity({ name: 'email_sign_in_links' })
@Index('UQ_email_sign_in_links_token_hash', ['tokenHash'], { unique: true })
@Index('IDX_email_sign_in_links_expires_at', ['expiresAt'])
export class EmailSignInLinkEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_email_sign_in_links' })
  id: string;

  @Column({ name: 'token_hash', type: 'bytea', select: false })
  tokenHash: Buffer;

  @Column({ name: 'browser_hash', type: 'bytea', select: false })
  browserHash: Buffer;

  /** The normalised (lower-cased) address the link was sent to. */
  @Column({ type: 'varchar', length: 320 })
  email: string;

  /** Validated local path to continue to after sign-in. */
  @Column({ name: 'return_to', type: 'varchar', length: 2048 })
  returnTo: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
