import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { GrantsDirectoryRepository } from './grants-directory/grants-directory.repository';
import { AuthorizationRequestRepository } from './repositories/authorization-request.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';
import { TokenRepository } from './repositories/token.repository';

const EVERY_MS = 15 * 60 * 1000;

/**
 * Deletes rows that can no longer matter: authorization requests, codes and tokens expired for a
 * day, finished rate-limit windows, and self-registered clients unused for DCR_CLIENT_TTL_DAYS
 * (issue #8). Every replica may run it; the deletes are idempotent.
 */
@Injectable()
export class OAuthHousekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthHousekeeping');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly requests: AuthorizationRequestRepository,
    private readonly tokens: TokenRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly clients: GrantsDirectoryRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      await this.requests.deleteExpired();
      await this.tokens.deleteExpired();
      await this.rateLimits.deleteExpired();
      // Issue #8: self-registered clients unused for DCR_CLIENT_TTL_DAYS go, with all rows on them.
      const removed = await this.clients.deleteStaleSelfRegistered(this.config.dcrClientTtlDays);
      if (removed.length > 0) this.logger.log(`removed ${removed.length} unused self-registered client(s)`);
    } catch (error) {
      this.logger.warn(`housekeeping failed: ${error instanceof Error ? error.message : 'error'}`);
    }
  }
}
