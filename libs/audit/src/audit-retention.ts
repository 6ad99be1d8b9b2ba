import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AuditPurgeOptions {
  /** Rows examined (and at most deleted) per statement. */
  batchSize: number;
  /** Pause between two batches, so the purge never monopolises the database. */
  pauseMs: number;
  /** Checked before every batch: true stops the purge (the process is shutting down). */
  shouldStop?: () => boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Audit-log retention (AUDIT_RETENTION_DAYS): deletes events older than the retention, oldest first,
 * in bounded batches. Each batch walks the primary key from its lowest id (ids grow with insertion
 * time), deletes the rows of that batch older than the cut-off, and the purge stops at the first batch
 * that holds a newer row, so no statement scans the table or locks more than one batch of rows.
 */
@Injectable()
export class AuditRetention {
  constructor(private readonly dataSource: DataSource) {}

  async deleteOlderThan(days: number, options: Partial<AuditPurgeOptions> = {}): Promise<number> {
    if (days <= 0) return 0; // 0 = keep forever
    const batchSize = options.batchSize ?? 5000;
    const pauseMs = options.pauseMs ?? 50;
    let total = 0;
    for (;;) {
      if (options.shouldStop?.()) return total;
      const [{ deleted, recent }] = await this.dataSource.query<{ deleted: number; recent: number }[]>(
        `WITH batch AS (SELECT id, created_at FROM audit_events ORDER BY id LIMIT $1),
              gone AS (DELETE FROM audit_events a USING batch b
                        WHERE a.id = b.id AND b.created_at < now() - make_interval(days => $2)
                        RETURNING 1)
         SELECT (SELECT count(*) FROM gone)::int AS deleted,
                (SELECT count(*) FROM batch WHERE created_at >= now() - make_interval(days => $2))::int AS recent`,
        [batchSize, days],
      );
      total += deleted;
      if (recent > 0 || deleted < batchSize) return total;
      await sleep(pauseMs);
    }
  }
}
