import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TooManyRequestsError } from '../common/oauth-errors';
import { clientIp } from '../common/params';
import { RateLimitRepository } from '../repositories/rate-limit.repository';

export type RateLimitBucket = 'register' | 'authorize' | 'token';

const RATE_LIMIT_BUCKET = Symbol('RATE_LIMIT_BUCKET');

/** Marks a route as counted in a per-client-IP bucket (AS-REG-11; limits from config.rateLimits). */
export const RateLimited = (bucket: RateLimitBucket) => SetMetadata(RATE_LIMIT_BUCKET, bucket);

/**
 * Fixed-window counters in PostgreSQL, so every replica behind the load balancer shares them (LB-06).
 * Over the limit → 429 with Retry-After; the route's exception filter shapes the body.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private hitsSinceCleanup = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly buckets: RateLimitRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const bucket = this.reflector.get<RateLimitBucket | undefined>(RATE_LIMIT_BUCKET, context.getHandler());
    if (!bucket) return true;
    const { limit, windowSeconds } = this.policy(bucket);
    const ip = clientIp(context.switchToHttp().getRequest<Request>());
    const hit = await this.buckets.hit(`${bucket}:${ip}`, windowSeconds);
    if (++this.hitsSinceCleanup >= 1000) {
      this.hitsSinceCleanup = 0;
      void this.buckets.deleteExpired().catch(() => undefined);
    }
    if (hit.hits > limit) throw new TooManyRequestsError(Math.max(1, hit.resetsIn));
    return true;
  }

  private policy(bucket: RateLimitBucket): { limit: number; windowSeconds: number } {
    const limits = this.config.rateLimits;
    switch (bucket) {
      case 'register':
        return { limit: limits.registerPerHour, windowSeconds: 3600 };
      case 'authorize':
        return { limit: limits.authorizePerMinute, windowSeconds: 60 };
      case 'token':
        return { limit: limits.tokenPerMinute, windowSeconds: 60 };
    }
  }
}
