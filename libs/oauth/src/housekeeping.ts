import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditRetention } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { GrantsDirectoryRepository } from './grants-directory/grants-directory.repository';
import { JwtIdRegistry } from './jose/jwt-id-registry';
import { AuthorizationRequestRepository } from './repositories/authorization-request.repository';
import { ClientGrantRepository } from './repositories/client-grant.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';
import { ExpiredTokenPurge, type PurgeOptions, type PurgeResult } from './repositories/expired-token-purge';

const EVERY_MS = 15 * 60 * 1000;

/** pg_try_advisory_lock key of this job (any fixed bigint; "oauthhk" in ASCII). */
export const HOUSEKEEPING_LOCK_KEY = '31088235848460139';

export interface HousekeepingRun {
  /** false: another replica holds the lock and is running it right now. */
  ran: boolean;
  tokens?: PurgeResult;
  /** Audit events deleted for being older than AUDIT_RETENTION_DAYS. */
  auditEvents?: number;
}

/**
 * Deletes rows that can no longer matter: authorization requests, codes and tokens expired for a
 * day, finished rate-limit windows, the ids of expired JWTs, self-registered clients unused for DCR_CLIENT_TTL_DAYS
 *, and audit events older than AUDIT_RETENTION_DAYS (batched the same way). One replica at a time (a session advisory lock on a dedicated connection;
 * the others skip that round), and expired tokens go in bounded batches with short pauses in between
 * (ExpiredTokenPurge.deleteExpired), so no statement locks many rows or runs for long.
 */
@Injectable()
export class OAuthHousekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthHousekeeping');
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly requests: AuthorizationRequestRepository,
    private readonly tokens: ExpiredTokenPurge,
    private readonly rateLimits: RateLimitRepository,
    private readonly clients: GrantsDirectoryRepository,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditRetention,
    private readonly jwtIds: JwtIdRegistry,
    private readonly clientGrants: ClientGrantRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    clearInterval(this.timer);
  }

  async run(purge: Partial<PurgeOptions> = {}): Promise<HousekeepingRun> {
    let runner: ReturnType<DataSource['createQueryRunner']> | undefined;
    try {
      runner = this.dataSource.createQueryRunner();
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
        HOUSEKEEPING_LOCK_KEY,
      ])) as { locked: boolean }[];
      if (!locked) return { ran: false };
      try {
        await this.requests.deleteExpired();
        const tokens = await this.tokens.deleteExpired({ shouldStop: () => this.stopping, ...purge });
        if (tokens.deleted > 0) this.logger.log(`deleted ${tokens.deleted} expired code/token row(s)`);
        await this.rateLimits.deleteExpired();
        // client_credentials grants whose one token is gone (EXT-CC-05: nothing to refresh).
        await this.clientGrants.deleteSpent();
        // A JWT id matters only while its JWT could still be accepted.
        await this.jwtIds.deleteExpired();
        // Self-registered clients unused for DCR_CLIENT_TTL_DAYS go, with all rows on them.
        const removed = await this.clients.deleteStaleSelfRegistered(this.config.dcrClientTtlDays);
        if (removed.length > 0) this.logger.log(`removed ${removed.length} unused self-registered client(s)`);
        const auditEvents = await this.audit.deleteOlderThan(this.config.auditRetentionDays, {
          shouldStop: () => this.stopping,
          batchSize: purge.batchSize,
          pauseMs: purge.pauseMs,
        });
        if (auditEvents > 0) this.logger.log(`deleted ${auditEvents} audit event(s) past the retention`);
        return { ran: true, tokens, auditEvents };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [HOUSEKEEPING_LOCK_KEY]);
      }
    } catch (error) {
      this.logger.warn(`housekeeping failed: ${error instanceof Error ? error.message : 'error'}`);
      return { ran: false };
    } finally {
      await runner?.release().catch(() => undefined);
    }
  }
}
