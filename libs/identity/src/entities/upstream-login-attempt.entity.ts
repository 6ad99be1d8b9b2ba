import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One sign-in round trip to an upstream provider: the `state` (digest only), the PKCE verifier and
 * OIDC nonce we must present back, where to return afterwards, and the digest of the browser-binding
 * cookie (login-CSRF defence). Lives in PostgreSQL so the callback may land on any replica; expires
 * in minutes and is consumed by one conditional UPDATE (single use).
 */
@Entity({ name: 'upstream_login_attempts' })
@Index('UQ_upstream_login_attempts_state_hash', ['stateHash'], { unique: true })
@Index('IDX_upstream_login_attempts_expires_at', ['expiresAt'])
export class UpstreamLoginAttemptEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_upstream_login_attempts' })
  id: string;

  @Column({ name: 'state_hash', type: 'bytea', select: false })
  stateHash: Buffer;

  @Column({ name: 'browser_hash', type: 'bytea', select: false })
  browserHash: Buffer;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  /** RFC 7636 code_verifier we send to the provider's token endpoint (never shown to anyone). */
  @Column({ name: 'code_verifier', type: 'varchar', length: 128, nullable: true, select: false })
  codeVerifier: string | null;

  /** OIDC nonce expected in the ID token. */
  @Column({ type: 'varchar', length: 128, nullable: true, select: false })
  nonce: string | null;

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
