import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The tables whose rows expire (housekeeping deletes them a day after `expires_at`). */
export const EXPIRING_TABLES = [
  'oauth_authorization_codes',
  'oauth_access_tokens',
  'oauth_refresh_tokens',
] as const;
export type ExpiringTable = (typeof EXPIRING_TABLES)[number];

export interface PurgeOptions {
  /** Rows per DELETE statement. */
  batchSize: number;
  /** Pause between two full batches, so other writers get the table between them. */
  pauseMs: number;
  /** Checked before every batch (shutdown). */
  shouldStop: () => boolean;
}

export interface PurgeResult {
  deleted: number;
  /** DELETE statements run (a table's last, partial batch included). */
  batches: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Housekeeping: drops long-expired codes and tokens (their grants stay for the audit trail). */
@Injectable()
export class ExpiredTokenPurge {
  constructor(private readonly dataSource: DataSource) {}

  async deleteExpired(options: Partial<PurgeOptions> = {}): Promise<PurgeResult> {
    const batchSize = options.batchSize ?? 5000;
    const pauseMs = options.pauseMs ?? 50;
    const result: PurgeResult = { deleted: 0, batches: 0 };
    for (const table of EXPIRING_TABLES) {
      for (;;) {
        if (options.shouldStop?.()) return result;
        const deleted = await this.deleteExpiredBatch(table, batchSize);
        result.deleted += deleted;
        result.batches += 1;
        if (deleted < batchSize) break;
        await sleep(pauseMs);
      }
    }
    return result;
  }

  /**
   * One bounded batch — at most `limit` rows expired for a day, found by ctid and deleted in
   * their own short statement, so no delete holds row locks on more than one batch or runs for long.
   */
  async deleteExpiredBatch(table: ExpiringTable, limit: number): Promise<number> {
    const raw: unknown = await this.dataSource.query(
      `DELETE FROM ${table} WHERE ctid IN (
         SELECT ctid FROM ${table} WHERE expires_at < now() - interval '1 day' LIMIT $1)`,
      [limit],
    );
    return Array.isArray(raw) && typeof raw[1] === 'number' ? raw[1] : 0;
  }
}
