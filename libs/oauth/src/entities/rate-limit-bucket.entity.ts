import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Fixed-window hit counters per endpoint and client IP, shared by every replica. The table is UNLOGGED
 * (migration 1764270000000): counters skip the write-ahead log and are emptied after a crash.
 */
@Entity({ name: 'oauth_rate_limits' })
@Index('IDX_oauth_rate_limits_expires', ['expiresAt'])
export class RateLimitBucketEntity {
  @PrimaryColumn({
    name: 'bucket_key',
    type: 'varchar',
    length: 200,
    primaryKeyConstraintName: 'PK_oauth_rate_limits',
  })
  bucketKey: string;

  @PrimaryColumn({
    name: 'window_start',
    type: 'timestamptz',
    primaryKeyConstraintName: 'PK_oauth_rate_limits',
  })
  windowStart: Date;

  @Column({ type: 'integer' })
  hits: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
