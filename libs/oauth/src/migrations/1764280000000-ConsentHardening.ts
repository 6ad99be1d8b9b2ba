import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent that covers exactly what was shown and approved:
 * - oauth_consents.redirect_uris_digest: SHA-256 of the client's redirect URI set the person approved
 *   (sorted, one per line). A consent whose digest differs from the client's current set does not
 *   cover it (RFC 7592 updates and changed metadata documents alike). Existing consents get the
 *   digest of the set their client has now.
 * - oauth_grants.approved_at: when the person last approved on a page; a grant ends GRANT_MAX_LIFETIME
 *   after it (existing grants: their creation).
 * - oauth_clients.remember_consent: an administrator's per-client switch that lets a remembered consent
 *   skip the one-click "Continue" page for a public client (RFC 8252 §8.6). Off for every client.
 * - oauth_authorization_requests.max_age: OpenID Connect Core §3.1.2.1 max_age kept across sign-in.
 */
export class ConsentHardening1764280000000 implements MigrationInterface {
  name = 'ConsentHardening1764280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_consents" ADD "redirect_uris_digest" bytea`);
    await q.query(`
      UPDATE oauth_consents c
         SET redirect_uris_digest = sha256(convert_to(array_to_string(
               ARRAY(SELECT DISTINCT u COLLATE "C" FROM unnest(cl.redirect_uris) AS u ORDER BY 1), E'\\n'), 'UTF8'))
        FROM oauth_clients cl WHERE cl.client_id = c.client_id`);
    // A consent stored before held the requested scopes, `admin` included even when the page did not
    // show it; `admin` is now issued only for the admin API's resource. Administrators approve it anew.
    await q.query(`UPDATE oauth_consents SET scopes = array_remove(scopes, 'admin')`);
    await q.query(`ALTER TABLE "oauth_grants" ADD "approved_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`UPDATE oauth_grants SET approved_at = created_at`);
    await q.query(`ALTER TABLE "oauth_grants" ALTER COLUMN "approved_at" SET NOT NULL`);
    await q.query(`ALTER TABLE "oauth_grants" ALTER COLUMN "approved_at" SET DEFAULT now()`);
    await q.query(`ALTER TABLE "oauth_clients" ADD "remember_consent" boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE "oauth_authorization_requests" ADD "max_age" integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_authorization_requests" DROP COLUMN "max_age"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "remember_consent"`);
    await q.query(`ALTER TABLE "oauth_grants" DROP COLUMN "approved_at"`);
    await q.query(`ALTER TABLE "oauth_consents" DROP COLUMN "redirect_uris_digest"`);
  }
}
