import type { MigrationInterface, QueryRunner } from 'typeorm';

/** email_sign_in_links: sign-in by emailed link (token digests only). */
export class CreateEmailSignInLinks1764100000100 implements MigrationInterface {
  name = 'CreateEmailSignInLinks1764100000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "email_sign_in_links" (
        "id" uuid NOT NULL,
        "token_hash" bytea NOT NULL,
        "browser_hash" bytea NOT NULL,
        "email" character varying(320) NOT NULL,
        "return_to" character varying(2048) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "consumed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_email_sign_in_links" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_email_sign_in_links_token_hash" ON "email_sign_in_links" ("token_hash")`,
    );
    await q.query(
      `CREATE INDEX "IDX_email_sign_in_links_expires_at" ON "email_sign_in_links" ("expires_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "email_sign_in_links"`);
  }
}
