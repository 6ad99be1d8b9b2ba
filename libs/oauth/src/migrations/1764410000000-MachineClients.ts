import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Machine clients:
 * - oauth_clients.jwks / jwks_uri: the public keys a private_key_jwt client signs its assertions with
 *   (RFC 7591 §2, RFC 7523 §2.2); at most one of the two is set.
 * - oauth_grants.user_id and oauth_access_tokens.user_id become nullable: a client_credentials grant
 *   (RFC 6749 §4.4) names the client alone, no person. Codes and refresh tokens keep their user (the
 *   grant issues neither).
 */
export class MachineClients1764410000000 implements MigrationInterface {
  name = 'MachineClients1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_clients" ADD "jwks" jsonb`);
    await q.query(`ALTER TABLE "oauth_clients" ADD "jwks_uri" character varying(2048)`);
    await q.query(
      `ALTER TABLE "oauth_clients" ADD CONSTRAINT "CHK_oauth_clients_one_key_source" CHECK ("jwks" IS NULL OR "jwks_uri" IS NULL)`,
    );
    await q.query(`ALTER TABLE "oauth_grants" ALTER COLUMN "user_id" DROP NOT NULL`);
    await q.query(`ALTER TABLE "oauth_access_tokens" ALTER COLUMN "user_id" DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Client-only grants cannot exist in the older schema: they go, with their tokens (ON DELETE CASCADE).
    await q.query(`DELETE FROM "oauth_grants" WHERE "user_id" IS NULL`);
    await q.query(`ALTER TABLE "oauth_access_tokens" ALTER COLUMN "user_id" SET NOT NULL`);
    await q.query(`ALTER TABLE "oauth_grants" ALTER COLUMN "user_id" SET NOT NULL`);
    await q.query(`ALTER TABLE "oauth_clients" DROP CONSTRAINT "CHK_oauth_clients_one_key_source"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "jwks_uri"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "jwks"`);
  }
}
