import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** JWT ids already accepted once (JwtIdRegistry), kept until the JWT expires. */
@Entity({ name: 'oauth_jwt_ids' })
@Index('IDX_oauth_jwt_ids_expires', ['expiresAt'])
export class JwtIdEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_oauth_jwt_ids' })
  issuer: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_oauth_jwt_ids' })
  jti: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
