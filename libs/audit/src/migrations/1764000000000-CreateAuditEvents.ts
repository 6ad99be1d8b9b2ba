import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuditEvents1764000000000 implements MigrationInterface {
  name = 'CreateAuditEvents1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "audit_events" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "type" character varying(64) NOT NULL,
        "user_id" uuid,
        "client_id" character varying(255),
        "grant_id" uuid,
        "ip" character varying(64),
        "detail" jsonb NOT NULL,
        CONSTRAINT "PK_audit_events" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "IDX_audit_events_user_created" ON "audit_events" ("user_id", "created_at")`);
    await q.query(
      `CREATE INDEX "IDX_audit_events_client_created" ON "audit_events" ("client_id", "created_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_events"`);
  }
}
