import { Injectable, Logger, type OnApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AuthorizationRequestRepository } from './repositories/authorization-request.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';
import { TokenRepository } from './repositories/token.repository';

const EVERY_MS = 15 * 60 * 1000;

/**
 * Deletes rows that can no longer matter: authorization requests, codes and tokens expired for a
 * day, and finished rate-limit windows. Every replica may run it; the deletes are idempotent.
 */
@Injectable()
export class OAuthHousekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OAuthHousekeeping');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly requests: AuthorizationRequestRepository,
    private readonly tokens: TokenRepository,
    private readonly rateLimits: RateLimitRepository,
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
    } catch (error) {
      this.logger.warn(`housekeeping failed: ${error instanceof Error ? error.message : 'error'}`);
    }
  }
}
