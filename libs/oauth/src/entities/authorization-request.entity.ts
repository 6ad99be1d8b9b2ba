import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { OAuthClientEntity } from './oauth-client.entity';

/**
 * A validated /authorize request waiting for sign-in and consent. Lives in PostgreSQL so the browser
 * may come back to any replica (LB-06). Looked up by the digest of its random handle.
 */
@Entity({ name: 'oauth_authorization_requests' })
@Index('UQ_oauth_authorization_requests_handle', ['handleHash'], { unique: true })
@Index('IDX_oauth_authorization_requests_expires', ['expiresAt'])
export class AuthorizationRequestEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_oauth_authorization_requests' })
  id: string;

  @Column({ name: 'handle_hash', type: 'bytea' })
  handleHash: Buffer;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  @ForeignKey(() => OAuthClientEntity, 'clientId', {
    name: 'FK_oauth_authorization_requests_client',
    onDelete: 'CASCADE',
  })
  clientId: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri: string;

  /** RFC 6749 §4.1.3: if the client sent redirect_uri, the token request must repeat it. */
  @Column({ name: 'redirect_uri_provided', type: 'boolean' })
  redirectUriProvided: boolean;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ type: 'text' })
  resource: string;

  @Column({ name: 'code_challenge', type: 'varchar', length: 128 })
  codeChallenge: string;

  @Column({ type: 'text', nullable: true })
  state: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  prompt: string | null;

  /** OpenID Connect Core §3.1.2.1 max_age in seconds (null: not sent). */
  @Column({ name: 'max_age', type: 'integer', nullable: true })
  maxAge: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
