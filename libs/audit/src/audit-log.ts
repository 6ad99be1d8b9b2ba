import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import client from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
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

/** Background events are written together at most this often ... */
export const AUDIT_FLUSH_INTERVAL_MS = 50;
/** ... or as soon as this many are waiting (one multi-row INSERT each). */
export const AUDIT_BATCH_ROWS = 200;
/** Bound on waiting events: beyond it new background events are dropped (and counted), never queued. */
export const AUDIT_BUFFER_MAX = 10_000;

/** The columns an event is written to, in this order: type, user_id, client_id, grant_id, ip, detail. */
const AUDIT_EVENT_COLUMNS = '"type", "user_id", "client_id", "grant_id", "ip", "detail"';

/** One SQL expression per column of an event, evaluated in the caller's statement (see auditInsertSql). */
export interface AuditEventExpressions {
  readonly type: string;
  readonly userId: string;
  readonly clientId: string;
  readonly grantId: string;
  readonly ip: string;
  readonly detail: string;
}

/**
 * The `INSERT INTO audit_events ... SELECT ... FROM <from>` for a statement of another module that
 * writes its own event (in a CTE, so the event commits with the change in one round trip).
 * The table and its columns stay this module's: the caller names only an expression per field and the
 * row source. The caller then calls AuditLog.written() so the event is counted like any other.
 */
export function auditInsertSql(values: AuditEventExpressions, from: string): string {
  const { type, userId, clientId, grantId, ip, detail } = values;
  return `INSERT INTO "audit_events" (${AUDIT_EVENT_COLUMNS})
           SELECT ${type}, ${userId}, ${clientId}, ${grantId}, ${ip}, ${detail}
             FROM ${from}`;
}

const INSERT_ONE = `INSERT INTO "audit_events" (${AUDIT_EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`;
const INSERT_BATCH = `INSERT INTO "audit_events" (${AUDIT_EVENT_COLUMNS})
  SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::varchar[], $4::uuid[], $5::varchar[], $6::jsonb[])`;
const droppedTotal = new client.Counter({
  name: 'mcp_audit_events_dropped_total',
  help: 'Background audit events that could not be written (buffer full or database error)',
});

/**
 * Append-only security log in PostgreSQL (table audit_events), shared by all modules.
 *
 * Two ways to write: `record` inserts at once, inside the caller's transaction when given
 * one (the event commits or rolls back with the change it describes); `recordInBackground`, for hot
 * paths (every tool call), buffers the event and writes buffered events together with one multi-row
 * INSERT every AUDIT_FLUSH_INTERVAL_MS or AUDIT_BATCH_ROWS events, so a tool call costs no database
 * round trip of its own. Trade-off: a crash (SIGKILL, OOM) loses the background events of the last
 * < 50 ms; a graceful shutdown flushes them (onModuleDestroy, before the pool closes). A failed write is
 * logged and dropped, never retried and never blocking requests; the buffer is bounded.
 */
@Injectable()
export class AuditLog implements OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private buffer: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private droppedSinceLastWarning = 0;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes one event. Pass `manager` to write inside the caller's transaction (the event then
   * commits or rolls back with the change it describes).
   */
  async record(event: AuditRecord, manager?: EntityManager): Promise<void> {
    // Plain parameterised INSERT: TypeORM's insert builder cost more CPU than the statement.
    await (manager ?? this.dataSource.manager).query(INSERT_ONE, [
      event.type,
      event.userId ?? null,
      event.clientId ?? null,
      event.grantId ?? null,
      event.ip ?? null,
      JSON.stringify(event.detail ?? {}),
    ]);
    this.written(event);
  }

  /**
   * An event the caller's own statement wrote (see auditInsertSql): counted in the metrics and
   * logged at debug level exactly as `record` does, without writing anything.
   */
  written(event: AuditRecord): void {
    countEvent(event);
    this.logger.debug(`${event.type} user=${event.userId ?? '-'} client=${event.clientId ?? '-'}`);
  }

  /** Fire-and-forget variant for hot paths (batched, see the class comment): never throws, never waits. */
  recordInBackground(event: AuditRecord): void {
    if (this.buffer.length >= AUDIT_BUFFER_MAX) {
      this.drop(1, 'buffer full');
      return;
    }
    this.buffer.push(event);
    countEvent(event);
    if (this.buffer.length >= AUDIT_BATCH_ROWS) this.flushSoon(0);
    else this.flushSoon(AUDIT_FLUSH_INTERVAL_MS);
  }

  /** Writes every buffered background event now (tests; shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, AUDIT_BATCH_ROWS);
      this.flushing = this.flushing.then(() => this.writeBatch(batch));
    }
    await this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }

  private async writeBatch(batch: AuditRecord[]): Promise<void> {
    const columns: (string | null)[][] = [[], [], [], [], [], []];
    for (const event of batch) {
      columns[0].push(event.type);
      columns[1].push(event.userId ?? null);
      columns[2].push(event.clientId ?? null);
      columns[3].push(event.grantId ?? null);
      columns[4].push(event.ip ?? null);
      columns[5].push(JSON.stringify(event.detail ?? {}));
    }
    try {
      // One statement text whatever the batch size (six array parameters, not six per row): PostgreSQL
      // parses and plans less. unnest yields the rows in array order, so ids follow the events' order.
      await this.dataSource.query(INSERT_BATCH, columns);
    } catch (error) {
      this.drop(batch.length, error instanceof Error ? error.message : 'error');
    }
  }

  private drop(count: number, reason: string): void {
    droppedTotal.inc(count);
    this.droppedSinceLastWarning += count;
    // One line per reason burst, not per event: an outage must not flood the log.
    if (this.droppedSinceLastWarning === count || this.droppedSinceLastWarning % 1000 < count) {
      this.logger.error(
        `could not write ${this.droppedSinceLastWarning} background audit event(s): ${reason}`,
      );
    }
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
