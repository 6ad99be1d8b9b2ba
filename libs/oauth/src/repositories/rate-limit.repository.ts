import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from './prepared';

export interface WindowHit {
  hits: number;
  /** Seconds until this window ends (by the database clock, shared by every replica). */
  resetsIn: number;
}

@Injectable()
export class RateLimitRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Counts one hit in the current fixed window of `windowSeconds`; one atomic upsert (prepared, issue #7). */
  async hit(bucketKey: string, windowSeconds: number): Promise<WindowHit> {
    const rows = await preparedQuery<WindowHit>(
      this.dataSource,
      'oauth_rate_limit_hit',
      `WITH w AS (
           SELECT to_timestamp(floor(extract(epoch FROM now()) / $2) * $2) AS start
         )
         INSERT INTO oauth_rate_limits (bucket_key, window_start, hits, expires_at)
         SELECT $1, w.start, 1, w.start + make_interval(secs => $2) FROM w
         ON CONFLICT (bucket_key, window_start) DO UPDATE SET hits = oauth_rate_limits.hits + 1
         RETURNING hits, ceil(extract(epoch FROM expires_at - now()))::int AS "resetsIn"`,
      [bucketKey, windowSeconds],
    );
    return rows[0];
  }

  async deleteExpired(): Promise<void> {
    await this.dataSource.query(`DELETE FROM oauth_rate_limits WHERE expires_at < now()`);
  }
}
