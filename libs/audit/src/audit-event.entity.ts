import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One security-relevant event. Never holds a secret: ids and outcomes only. */
@Entity({ name: 'audit_events' })
@Index('IDX_audit_events_user_created', ['userId', 'createdAt'])
@Index('IDX_audit_events_client_created', ['clientId', 'createdAt'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Dotted name, e.g. `token.issued`, `refresh.reuse_detected`, `tool.called`. */
  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 255, nullable: true })
  clientId: string | null;

  @Column({ name: 'grant_id', type: 'uuid', nullable: true })
  grantId: string | null;

  /** Client IP as Express saw it (after TRUST_PROXY). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ type: 'jsonb' })
  detail: Record<string, unknown>;
}
