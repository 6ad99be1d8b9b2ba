import { Injectable, Logger } from '@nestjs/common';
import client from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditEventEntity } from './audit-event.entity';

export interface AuditRecord {
  type: string;
  userId?: string | null;
  clientId?: string | null;
  grantId?: string | null;
  ip?: string | null;
  /** Ids, counts, outcomes. Never a token, code, secret, cookie or tool argument value. */
  detail?: Record<string, unknown>;
}

// Metrics derived from the audit stream, so token, reuse-detection and tool counters need no code of
// their own in the modules that write the events.
const eventsTotal = new client.Counter({
  name: 'mcp_auth_events_total',
  help: 'Security events written to the audit log, by type (token issued, refreshed, reuse detected, revoked ...)',
  labelNames: ['type'] as const,
});
const toolCallsTotal = new client.Counter({
  name: 'mcp_tool_calls_total',
  help: 'MCP tool calls by tool and outcome',
  labelNames: ['tool', 'outcome'] as const,
});

function countEvent(event: AuditRecord): void {
  eventsTotal.inc({ type: event.type });
  const tool = event.detail?.tool;
  if (typeof tool === 'string' && event.type.startsWith('tool.')) {
    toolCallsTotal.inc({
      tool,
      outcome: typeof event.detail?.outcome === 'string' ? event.detail.outcome : 'unknown',
    });
  }
}

/** Append-only security log in PostgreSQL (table audit_events), shared by all modules. */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger('Audit');

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes one event. Pass `manager` to write inside the caller's transaction (the event then
   * commits or rolls back with the change it describes).
   */
  async record(event: AuditRecord, manager?: EntityManager): Promise<void> {
    const repo = (manager ?? this.dataSource.manager).getRepository(AuditEventEntity);
    await repo.insert({
      type: event.type,
      userId: event.userId ?? null,
      clientId: event.clientId ?? null,
      grantId: event.grantId ?? null,
      ip: event.ip ?? null,
      detail: event.detail ?? {},
    } as QueryDeepPartialEntity<AuditEventEntity>);
    countEvent(event);
    this.logger.debug(`${event.type} user=${event.userId ?? '-'} client=${event.clientId ?? '-'}`);
  }

  /** Fire-and-forget variant for hot paths: a failure is logged, never thrown to the caller. */
  recordInBackground(event: AuditRecord): void {
    this.record(event).catch((error: unknown) =>
      this.logger.error(
        `could not write audit event ${event.type}: ${error instanceof Error ? error.message : 'error'}`,
      ),
    );
  }

  /** Most recent events of one user, newest first (owner-scoped). */
  async forUser(userId: string, limit = 50, beforeId?: string): Promise<AuditEventEntity[]> {
    const qb = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where('e.user_id = :userId', { userId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (beforeId) qb.andWhere('e.id < :beforeId', { beforeId });
    return qb.getMany();
  }
}
