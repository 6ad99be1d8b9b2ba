import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * oauth_grants.granted_by_issuer: the company IdP whose identity assertion grant (ID-JAG) made the
 * grant (EXT-EMA-08); null for a grant the person approved here.
 */
export class AddGrantGrantedByIssuer1764400000100 implements MigrationInterface {
  name = 'AddGrantGrantedByIssuer1764400000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_grants" ADD "granted_by_issuer" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_grants" DROP COLUMN "granted_by_issuer"`);
  }
}
