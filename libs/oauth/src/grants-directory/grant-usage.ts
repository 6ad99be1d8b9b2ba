import { Injectable, Logger } from '@nestjs/common';
import { GrantsDirectoryRepository } from './grants-directory.repository';

const THROTTLE_MS = 60_000;
const MAX_TRACKED = 10_000;

/**
 * "last used": after a successful token check, a grant's last_used_at is written at most
 * once a minute per grant and replica (in memory here, and the UPDATE's WHERE makes writes from other
 * replicas within the minute no-ops). Fire-and-forget: a failure never affects the request.
 */
@Injectable()
export class GrantUsageRecorder {
  private readonly logger = new Logger('GrantUsage');
  private readonly lastWrite = new Map<string, number>();

  constructor(private readonly repo: GrantsDirectoryRepository) {}

  used(grantId: string): void {
    const now = Date.now();
    const last = this.lastWrite.get(grantId);
    if (last !== undefined && now - last < THROTTLE_MS) return;
    if (this.lastWrite.size >= MAX_TRACKED) this.prune(now);
    this.lastWrite.set(grantId, now);
    this.repo.touchGrant(grantId).catch((error: unknown) => {
      this.logger.warn(`could not record grant use: ${error instanceof Error ? error.message : 'error'}`);
    });
  }

  private prune(now: number): void {
    for (const [id, at] of this.lastWrite) if (now - at >= THROTTLE_MS) this.lastWrite.delete(id);
    if (this.lastWrite.size >= MAX_TRACKED) this.lastWrite.clear();
  }
}
