import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { GrantEntity } from './grant.entity';

/** Single use (≤ 60 s), bound to client, redirect URI, PKCE challenge, scopes, resource and user. */
@Entity({ name: 'oauth_authorization_codes' })
@Index('UQ_oauth_authorization_codes_hash', ['codeHash'], { unique: true })
@Index('IDX_oauth_authorization_codes_grant', ['grantId'])
export class AuthorizationCodeEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_oauth_authorization_codes' })
  id: string;

  @Column({ name: 'code_hash', type: 'bytea', select: false })
  codeHash: Buffer;

  @Column({ name: 'grant_id', type: 'uuid' })
  @ForeignKey(() => GrantEntity, 'id', { name: 'FK_oauth_authorization_codes_grant', onDelete: 'CASCADE' })
  grantId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri: string;

  @Column({ name: 'redirect_uri_provided', type: 'boolean' })
  redirectUriProvided: boolean;

  @Column({ name: 'code_challenge', type: 'varchar', length: 128 })
  codeChallenge: string;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ type: 'text' })
  resource: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
