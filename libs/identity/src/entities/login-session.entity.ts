import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * A browser sign-in. The cookie holds a 256-bit random value; only its SHA-256 digest is stored, so
 * any replica recognises the session and a database leak does not reveal live cookies.
 */
@Entity({ name: 'login_sessions' })
@Index('UQ_login_sessions_token_hash', ['tokenHash'], { unique: true })
@Index('IDX_login_sessions_user', ['userId'])
@Index('IDX_login_sessions_expires_at', ['expiresAt'])
export class LoginSessionEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_login_sessions' })
  id: string;

  @Column({ name: 'token_hash', type: 'bytea', select: false })
  tokenHash: Buffer;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_login_sessions_user' })
  user?: UserEntity;

  /** Which provider proved the identity for this session. */
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;
}
