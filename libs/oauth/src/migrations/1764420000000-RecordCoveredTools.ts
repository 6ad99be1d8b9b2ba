import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent covers the tools it was given for (EXT-RC-01..05):
 * - oauth_consents.covered_tools and oauth_grants.covered_tools: per approved scope (implied ones
 *   included), the digest of its tool set and each tool's declaration digest at approval. Existing
 *   rows stay NULL: they cover the declarations in service when this feature was first deployed.
 * - oauth_tool_declarations: every (tool, declaration digest) a replica has booted with, and when it was
 *   first seen. Each replica adds its own at boot; the earliest rows are that first deployment's.
 */
export class RecordCoveredTools1764420000000 implements MigrationInterface {
  name = 'RecordCoveredTools1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_consents" ADD "covered_tools" jsonb`);
    await q.query(`ALTER TABLE "oauth_grants" ADD "covered_tools" jsonb`);
    await q.query(`
      CREATE TABLE "oauth_tool_declarations" (
        "name" character varying(128) NOT NULL,
        "digest" character varying(64) NOT NULL,
        "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_oauth_tool_declarations" PRIMARY KEY ("name", "digest")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "oauth_tool_declarations"`);
    await q.query(`ALTER TABLE "oauth_grants" DROP COLUMN "covered_tools"`);
    await q.query(`ALTER TABLE "oauth_consents" DROP COLUMN "covered_tools"`);
  }
}
