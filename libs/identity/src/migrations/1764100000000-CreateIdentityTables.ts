import type { MigrationInterface, QueryRunner } from 'typeorm';

/** users (the token `sub`), linked upstream identities, login sessions and upstream login attempts. */
export class CreateIdentityTables1764100000000 implements MigrationInterface {
  name = 'CreateIdentityTables1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL,
        "email" character varying(320),
        "email_verified" boolean NOT NULL DEFAULT false,
        "display_name" character varying(255) NOT NULL,
        "avatar_url" character varying(2048),
        "disabled" boolean NOT NULL DEFAULT false,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_sign_in_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_users" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "IDX_users_email" ON "users" ("email")`);

    await q.query(`
      CREATE TABLE "user_identities" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "provider" character varying(32) NOT NULL,
        "issuer" character varying(512) NOT NULL,
        "subject" character varying(255) NOT NULL,
        "username" character varying(255),
        "email" character varying(320),
        "email_verified" boolean NOT NULL DEFAULT false,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_sign_in_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_user_identities" PRIMARY KEY ("id"),
        CONSTRAINT "FK_user_identities_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_user_identities_provider_issuer_subject" ON "user_identities" ("provider", "issuer", "subject")`,
    );
    await q.query(`CREATE INDEX "IDX_user_identities_user" ON "user_identities" ("user_id")`);

    await q.query(`
      CREATE TABLE "login_sessions" (
        "id" uuid NOT NULL,
        "token_hash" bytea NOT NULL,
        "user_id" uuid NOT NULL,
        "provider" character varying(32) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ip" character varying(64),
        CONSTRAINT "PK_login_sessions" PRIMARY KEY ("id"),
        CONSTRAINT "FK_login_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_login_sessions_token_hash" ON "login_sessions" ("token_hash")`);
    await q.query(`CREATE INDEX "IDX_login_sessions_user" ON "login_sessions" ("user_id")`);
    await q.query(`CREATE INDEX "IDX_login_sessions_expires_at" ON "login_sessions" ("expires_at")`);

    await q.query(`
      CREATE TABLE "upstream_login_attempts" (
        "id" uuid NOT NULL,
        "state_hash" bytea NOT NULL,
        "browser_hash" bytea NOT NULL,
        "provider" character varying(32) NOT NULL,
        "code_verifier" character varying(128),
        "nonce" character varying(128),
        "return_to" character varying(2048) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "consumed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_upstream_login_attempts" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_upstream_login_attempts_state_hash" ON "upstream_login_attempts" ("state_hash")`,
    );
    await q.query(
      `CREATE INDEX "IDX_upstream_login_attempts_expires_at" ON "upstream_login_attempts" ("expires_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "upstream_login_attempts"`);
    await q.query(`DROP TABLE "login_sessions"`);
    await q.query(`DROP TABLE "user_identities"`);
    await q.query(`DROP TABLE "users"`);
  }
}
