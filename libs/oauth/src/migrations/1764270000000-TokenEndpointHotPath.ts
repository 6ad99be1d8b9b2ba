import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #7, the token endpoint's two hot writes besides the rotation itself:
 * - oauth_rate_limits becomes UNLOGGED. Its counters are worth nothing after a crash (a window lasts
 *   a minute or an hour), so they skip the write-ahead log and the fsync at every commit, which on a
 *   single hot row per client IP cost more than the whole refresh. PostgreSQL empties an unlogged
 *   table after a crash and does not copy it to standbys: limits restart from zero then.
 * - A partial index finds the one refresh token of a chain that still holds a sealed grace response
 *   (the rotation clears it on the predecessor), instead of walking every token of the grant, which
 *   made each rotation cost more the longer its chain.
 */
export class TokenEndpointHotPath1764270000000 implements MigrationInterface {
  name = 'TokenEndpointHotPath1764270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_rate_limits" SET UNLOGGED`);
    await q.query(
      `CREATE INDEX "IDX_oauth_refresh_tokens_grace" ON "oauth_refresh_tokens" ("replaced_by") WHERE "grace_response" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_oauth_refresh_tokens_grace"`);
    await q.query(`ALTER TABLE "oauth_rate_limits" SET LOGGED`);
  }
}
