import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a grant was last used (shown on /account, written at most once a minute per grant)
 * and when an administrator disabled a client (a disabled client is unknown to authorize and token).
 */
export class AddGrantLastUsedAndClientDisabled1764250000000 implements MigrationInterface {
  name = 'AddGrantLastUsedAndClientDisabled1764250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_grants" ADD "last_used_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "oauth_clients" ADD "disabled_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "disabled_at"`);
    await q.query(`ALTER TABLE "oauth_grants" DROP COLUMN "last_used_at"`);
  }
}
