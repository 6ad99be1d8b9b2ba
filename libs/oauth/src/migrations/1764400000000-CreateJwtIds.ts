import type { MigrationInterface, QueryRunner } from 'typeorm';

/** JWT ids accepted once, kept until the JWT expires (RFC 7519 §4.1.7; JwtIdRegistry). */
export class CreateJwtIds1764400000000 implements MigrationInterface {
  name = 'CreateJwtIds1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "oauth_jwt_ids" (
        "issuer" text NOT NULL,
        "jti" text NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_oauth_jwt_ids" PRIMARY KEY ("issuer", "jti")
      )`);
    await q.query(`CREATE INDEX "IDX_oauth_jwt_ids_expires" ON "oauth_jwt_ids" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "oauth_jwt_ids"`);
  }
}
