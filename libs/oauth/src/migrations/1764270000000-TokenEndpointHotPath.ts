import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The token endpoint's hot writes:
 * - oauth_rate_limits becomes UNLOGGED. Its counters are worth nothing after a crash (a window lasts
 *   a minute or an hour), so they skip the write-ahead log and the fsync at every commit, which on a
 *   single hot row per client IP cost more than the whole refresh. PostgreSQL empties an unlogged
 *   table after a crash and does not copy it to standbys: limits restart from zero then.
 * - oauth_refresh_tokens keeps 15 % of each page free (fillfactor 85): a token is updated once when it
 *   is consumed, and with room on its page that update is a HOT update (no new entry in any of the
 *   table's indexes). Applies to pages written from now on.
 */
export class TokenEndpointHotPath1764270000000 implements MigrationInterface {
  name = 'TokenEndpointHotPath1764270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_rate_limits" SET UNLOGGED`);
    await q.query(`ALTER TABLE "oauth_refresh_tokens" SET (fillfactor = 85)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_refresh_tokens" RESET (fillfactor)`);
    await q.query(`ALTER TABLE "oauth_rate_limits" SET LOGGED`);
  }
}
