import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface DatabaseHealth {
  ok: boolean;
  reason?: 'database_unreachable' | 'migrations_pending';
}

/** Readiness: the database answers and every known migration is applied. */
@Injectable()
export class DatabaseHealthService {
  private migrationsKnownApplied = false;

  constructor(private readonly dataSource: DataSource) {}

  async check(timeoutMs = 2000): Promise<DatabaseHealth> {
    const probe = async (): Promise<DatabaseHealth> => {
      await this.dataSource.query('SELECT 1');
      if (!this.migrationsKnownApplied) {
        // showMigrations() is true when some migration is still pending.
        if (await this.dataSource.showMigrations()) return { ok: false, reason: 'migrations_pending' };
        this.migrationsKnownApplied = true;
      }
      return { ok: true };
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DatabaseHealth>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout({ ok: false, reason: 'database_unreachable' }), timeoutMs);
    });
    try {
      return await Promise.race([
        probe().catch((): DatabaseHealth => ({ ok: false, reason: 'database_unreachable' })),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
