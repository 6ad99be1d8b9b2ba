import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type TokenEndpointAuthMethod =
  'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export type ClientGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** An RFC 7517 §5 JWK Set (public keys only; checked by clients/client-keys.ts). */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

/** A registered client (RFC 7591). Secrets are stored only as SHA-256 digests (docs/architecture.md C5). */
@Entity({ name: 'oauth_clients' })
@Check('CHK_oauth_clients_one_key_source', '"jwks" IS NULL OR "jwks_uri" IS NULL')
export class OAuthClientEntity {
  @PrimaryColumn({
    name: 'client_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_oauth_clients',
  })
  clientId: string;

  @Column({ name: 'client_secret_hash', type: 'bytea', nullable: true, select: false })
  clientSecretHash: Buffer | null;

  /** null = never expires (RFC 7591 client_secret_expires_at = 0). */
  @Column({ name: 'client_secret_expires_at', type: 'timestamptz', nullable: true })
  clientSecretExpiresAt: Date | null;

  @Column({ name: 'registration_token_hash', type: 'bytea', nullable: true, select: false })
  registrationTokenHash: Buffer | null;

  @Column({ name: 'token_endpoint_auth_method', type: 'varchar', length: 32 })
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;

  @Column({ name: 'redirect_uris', type: 'text', array: true })
  redirectUris: string[];

  @Column({ name: 'grant_types', type: 'text', array: true })
  grantTypes: ClientGrantType[];

  /** RFC 7591 §2 `jwks`: the client's public keys by value (private_key_jwt, RFC 7523 §2.2). */
  @Column({ type: 'jsonb', nullable: true })
  jwks: JsonWebKeySet | null;

  /** RFC 7591 §2 `jwks_uri`: where the client publishes them (fetched like a metadata document, SEC-04). */
  @Column({ name: 'jwks_uri', type: 'varchar', length: 2048, nullable: true })
  jwksUri: string | null;

  @Column({ name: 'response_types', type: 'text', array: true })
  responseTypes: string[];

  @Column({ name: 'client_name', type: 'varchar', length: 200, nullable: true })
  clientName: string | null;

  @Column({ name: 'client_uri', type: 'varchar', length: 2048, nullable: true })
  clientUri: string | null;

  @Column({ name: 'logo_uri', type: 'varchar', length: 2048, nullable: true })
  logoUri: string | null;

  @Column({ name: 'tos_uri', type: 'varchar', length: 2048, nullable: true })
  tosUri: string | null;

  @Column({ name: 'policy_uri', type: 'varchar', length: 2048, nullable: true })
  policyUri: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  contacts: string[];

  /** The registered scope after narrowing to supported scopes (informational; RFC 7591 §2). */
  @Column({ type: 'text', nullable: true })
  scope: string | null;

  @Column({ name: 'software_id', type: 'varchar', length: 200, nullable: true })
  softwareId: string | null;

  @Column({ name: 'software_version', type: 'varchar', length: 200, nullable: true })
  softwareVersion: string | null;

  @Column({ name: 'application_type', type: 'varchar', length: 16, nullable: true })
  applicationType: string | null;

  /** How the client came to exist: 'dcr' (self-registered, shown as "not verified"), 'admin'. */
  @Column({ name: 'created_via', type: 'varchar', length: 16, default: 'dcr' })
  createdVia: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  /**
   * RFC 8252 §8.6: a public client gets a one-click "Continue" page even with a remembered consent,
   * unless an administrator turned this on for a client an administrator registered.
   */
  @Column({ name: 'remember_consent', type: 'boolean', default: false })
  rememberConsent: boolean;

  /** Set by an administrator: the client is then unknown to authorize and token. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;
}
