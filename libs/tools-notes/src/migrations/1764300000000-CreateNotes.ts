import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notes of the example tool module. No foreign key to users: a tool module owns its table and
 * learns the owner only from the token's `sub` (libs/identity's tables are not its business).
 */
export class CreateNotes1764300000000 implements MigrationInterface {
  name = 'CreateNotes1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notes" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "title" character varying(200) NOT NULL,
        "body" text NOT NULL DEFAULT '',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notes" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "IDX_notes_user_created" ON "notes" ("user_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "notes"`);
  }
}
