import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { clientIp } from '../common/params';
import { RateLimiter, type RateLimitBucket } from './rate-limiter';

export type { RateLimitBucket } from './rate-limiter';

const RATE_LIMIT_BUCKET = Symbol('RATE_LIMIT_BUCKET');

/** Marks a route as counted in a per-client-IP bucket (AS-REG-11; limits from config.rateLimits). */
export const RateLimited = (bucket: RateLimitBucket) => SetMetadata(RATE_LIMIT_BUCKET, bucket);

/**
 * Counts the request in its route's bucket (RateLimiter: shared by every replica through PostgreSQL,
 * LB-06). Over the limit → 429 with Retry-After; the route's exception filter shapes the body.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const bucket = this.reflector.get<RateLimitBucket | undefined>(RATE_LIMIT_BUCKET, context.getHandler());
    if (!bucket) return true;
    await this.limiter.consume(bucket, clientIp(context.switchToHttp().getRequest<Request>()));
    return true;
  }
}
