import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from './prepared';

export interface WindowHit {
  /** The window's count after this call's hits were added. */
  hits: number;
  /** Milliseconds until this window ends (by the database clock, shared by every replica). */
  resetsInMs: number;
}

@Injectable()
export class RateLimitRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds `count` hits to the current fixed window of `windowSeconds`; one atomic upsert on the
   * UNLOGGED oauth_rate_limits (prepared). `count` > 1 is a replica leasing hits in advance
   * (RateLimiter).
   */
  async take(bucketKey: string, windowSeconds: number, count = 1): Promise<WindowHit> {
    const rows = await preparedQuery<WindowHit>(
      this.dataSource,
      'oauth_rate_limit_take',
      `WITH w AS (
           SELECT to_timestamp(floor(extract(epoch FROM now()) / $2) * $2) AS start
         )
         INSERT INTO oauth_rate_limits (bucket_key, window_start, hits, expires_at)
         SELECT $1, w.start, $3, w.start + make_interval(secs => $2) FROM w
         ON CONFLICT (bucket_key, window_start) DO UPDATE SET hits = oauth_rate_limits.hits + $3
         RETURNING hits, (extract(epoch FROM expires_at - now()) * 1000)::float8 AS "resetsInMs"`,
      [bucketKey, windowSeconds, count],
    );
    return rows[0];
  }

  async deleteExpired(): Promise<void> {
    await this.dataSource.query(`DELETE FROM oauth_rate_limits WHERE expires_at < now()`);
  }
}
