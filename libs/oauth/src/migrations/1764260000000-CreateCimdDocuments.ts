import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The shared cache of Client ID Metadata Documents (AS-REG-04, LB-06). */
export class CreateCimdDocuments1764260000000 implements MigrationInterface {
  name = 'CreateCimdDocuments1764260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "cimd_documents" (
        "url" character varying(2000) NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "document" jsonb NOT NULL,
        "redirect_uris" text array NOT NULL,
        "redirect_uris_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_cimd_documents" PRIMARY KEY ("url"),
        CONSTRAINT "FK_cimd_documents_client" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_cimd_documents_client" ON "cimd_documents" ("client_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "cimd_documents"`);
  }
}
