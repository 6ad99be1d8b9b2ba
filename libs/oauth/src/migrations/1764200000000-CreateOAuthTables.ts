import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Clients, authorization requests, consents, grants, codes, access and refresh tokens, rate limits. */
export class CreateOAuthTables1764200000000 implements MigrationInterface {
  name = 'CreateOAuthTables1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "oauth_clients" (
        "client_id" character varying(64) NOT NULL,
        "client_secret_hash" bytea,
        "client_secret_expires_at" TIMESTAMP WITH TIME ZONE,
        "registration_token_hash" bytea,
        "token_endpoint_auth_method" character varying(32) NOT NULL,
        "redirect_uris" text array NOT NULL,
        "grant_types" text array NOT NULL,
        "response_types" text array NOT NULL,
        "client_name" character varying(200),
        "client_uri" character varying(2048),
        "logo_uri" character varying(2048),
        "tos_uri" character varying(2048),
        "policy_uri" character varying(2048),
        "contacts" text array NOT NULL DEFAULT '{}',
        "scope" text,
        "software_id" character varying(200),
        "software_version" character varying(200),
        "application_type" character varying(16),
        "created_via" character varying(16) NOT NULL DEFAULT 'dcr',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_oauth_clients" PRIMARY KEY ("client_id")
      )`);

    await q.query(`
      CREATE TABLE "oauth_authorization_requests" (
        "id" uuid NOT NULL,
        "handle_hash" bytea NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "redirect_uri" text NOT NULL,
        "redirect_uri_provided" boolean NOT NULL,
        "scopes" text array NOT NULL,
        "resource" text NOT NULL,
        "code_challenge" character varying(128) NOT NULL,
        "state" text,
        "prompt" character varying(64),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "consumed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_oauth_authorization_requests" PRIMARY KEY ("id"),
        CONSTRAINT "FK_oauth_authorization_requests_client" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_oauth_authorization_requests_handle" ON "oauth_authorization_requests" ("handle_hash")`,
    );
    await q.query(
      `CREATE INDEX "IDX_oauth_authorization_requests_expires" ON "oauth_authorization_requests" ("expires_at")`,
    );

    await q.query(`
      CREATE TABLE "oauth_consents" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "resource" text NOT NULL,
        "scopes" text array NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_oauth_consents" PRIMARY KEY ("id"),
        CONSTRAINT "FK_oauth_consents_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "FK_oauth_consents_client" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_oauth_consents_user_client_resource" ON "oauth_consents" ("user_id", "client_id", "resource")`,
    );
    await q.query(`CREATE INDEX "IDX_oauth_consents_client" ON "oauth_consents" ("client_id")`);

    await q.query(`
      CREATE TABLE "oauth_grants" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "scopes" text array NOT NULL,
        "resource" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "revoked_reason" character varying(64),
        CONSTRAINT "PK_oauth_grants" PRIMARY KEY ("id"),
        CONSTRAINT "FK_oauth_grants_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "FK_oauth_grants_client" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(`CREATE INDEX "IDX_oauth_grants_user" ON "oauth_grants" ("user_id")`);
    await q.query(`CREATE INDEX "IDX_oauth_grants_client" ON "oauth_grants" ("client_id")`);

    await q.query(`
      CREATE TABLE "oauth_authorization_codes" (
        "id" uuid NOT NULL,
        "code_hash" bytea NOT NULL,
        "grant_id" uuid NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "user_id" uuid NOT NULL,
        "redirect_uri" text NOT NULL,
        "redirect_uri_provided" boolean NOT NULL,
        "code_challenge" character varying(128) NOT NULL,
        "scopes" text array NOT NULL,
        "resource" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "consumed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_oauth_authorization_codes" PRIMARY KEY ("id"),
        CONSTRAINT "FK_oauth_authorization_codes_grant" FOREIGN KEY ("grant_id") REFERENCES "oauth_grants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_oauth_authorization_codes_hash" ON "oauth_authorization_codes" ("code_hash")`,
    );
    await q.query(
      `CREATE INDEX "IDX_oauth_authorization_codes_grant" ON "oauth_authorization_codes" ("grant_id")`,
    );

    await q.query(`
      CREATE TABLE "oauth_access_tokens" (
        "id" uuid NOT NULL,
        "token_hash" bytea NOT NULL,
        "grant_id" uuid NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "user_id" uuid NOT NULL,
        "scopes" text array NOT NULL,
        "audience" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_oauth_access_tokens" PRIMARY KEY ("id"),
        CONSTRAINT "FK_oauth_access_tokens_grant" FOREIGN KEY ("grant_id") REFERENCES "oauth_grants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_oauth_access_tokens_hash" ON "oauth_access_tokens" ("token_hash")`,
    );
    await q.query(`CREATE INDEX "IDX_oauth_access_tokens_grant" ON "oauth_access_tokens" ("grant_id")`);
    await q.query(`CREATE INDEX "IDX_oauth_access_tokens_expires" ON "oauth_access_tokens" ("expires_at")`);

    await q.query(`
      CREATE TABLE "oauth_refresh_tokens" (
        "id" uuid NOT NULL,
        "token_hash" bytea NOT NULL,
        "grant_id" uuid NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "user_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "consumed_at" TIMESTAMP WITH TIME ZONE,
        "replaced_by" uuid,
        "grace_response" bytea,
        CONSTRAINT "PK_oauth_refresh_tokens" PRIMARY KEY ("id"),
        CONSTRAINT "FK_oauth_refresh_tokens_grant" FOREIGN KEY ("grant_id") REFERENCES "oauth_grants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_oauth_refresh_tokens_hash" ON "oauth_refresh_tokens" ("token_hash")`,
    );
    await q.query(`CREATE INDEX "IDX_oauth_refresh_tokens_grant" ON "oauth_refresh_tokens" ("grant_id")`);

    await q.query(`
      CREATE TABLE "oauth_rate_limits" (
        "bucket_key" character varying(200) NOT NULL,
        "window_start" TIMESTAMP WITH TIME ZONE NOT NULL,
        "hits" integer NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_oauth_rate_limits" PRIMARY KEY ("bucket_key", "window_start")
      )`);
    await q.query(`CREATE INDEX "IDX_oauth_rate_limits_expires" ON "oauth_rate_limits" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "oauth_rate_limits"`);
    await q.query(`DROP TABLE "oauth_refresh_tokens"`);
    await q.query(`DROP TABLE "oauth_access_tokens"`);
    await q.query(`DROP TABLE "oauth_authorization_codes"`);
    await q.query(`DROP TABLE "oauth_grants"`);
    await q.query(`DROP TABLE "oauth_consents"`);
    await q.query(`DROP TABLE "oauth_authorization_requests"`);
    await q.query(`DROP TABLE "oauth_clients"`);
  }
}
