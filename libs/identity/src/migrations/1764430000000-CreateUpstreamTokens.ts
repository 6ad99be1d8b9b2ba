import type { MigrationInterface, QueryRunner } from 'typeorm';

/** upstream_tokens: the people's upstream access and refresh tokens, sealed (UP-11, UP-12). */
export class CreateUpstreamTokens1764430000000 implements MigrationInterface {
  name = 'CreateUpstreamTokens1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "upstream_tokens" (
        "user_id" uuid NOT NULL,
        "provider" character varying(32) NOT NULL,
        "access_token" bytea NOT NULL,
        "refresh_token" bytea,
        "access_expires_at" TIMESTAMP WITH TIME ZONE,
        "refresh_expires_at" TIMESTAMP WITH TIME ZONE,
        "scopes" character varying(2048) NOT NULL DEFAULT '',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_upstream_tokens" PRIMARY KEY ("user_id", "provider"),
        CONSTRAINT "FK_upstream_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "upstream_tokens"`);
  }
}
