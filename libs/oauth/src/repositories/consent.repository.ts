import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CoveredTools } from '../tool-coverage/tool-coverage';
import { managerOf } from './sql';

/** A stored consent as the authorization endpoint judges it. */
export interface StoredConsent {
  /** Exactly the scopes shown and approved. */
  scopes: string[];
  /** Digest of the redirect URI set the person approved the client with (null: unknown). */
  redirectUrisDigest: Buffer | null;
  /** When it was given (or last renewed on a page). */
  approvedAt: Date;
  /** Given (or last renewed on a page) less than the grant lifetime ago. */
  fresh: boolean;
  /** EXT-RC-01: per approved scope, the tools it covered then (null: approved before records). */
  coveredTools: CoveredTools | null;
}

/**
 * SHA-256 of a client's redirect URI set (order and duplicates do not matter): what a consent is
 * bound to, so new redirect URIs (RFC 7592 update, a changed metadata document) need a new consent.
 * Same value as the migration's SQL (sorted by code point, one per line).
 */
export function redirectUrisDigest(redirectUris: readonly string[]): Buffer {
  const set = [...new Set(redirectUris)].sort();
  return createHash('sha256').update(set.join('\n'), 'utf8').digest();
}

@Injectable()
export class ConsentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** This user's consent for this client and resource (owner first; docs/architecture.md C6). */
  async find(
    userId: string,
    clientId: string,
    resource: string,
    maxAgeSeconds: number,
  ): Promise<StoredConsent | null> {
    const rows = await this.dataSource.query<StoredConsent[]>(
      `SELECT scopes, redirect_uris_digest AS "redirectUrisDigest", updated_at AS "approvedAt",
              updated_at > now() - make_interval(secs => $4) AS fresh,
              covered_tools AS "coveredTools"
         FROM oauth_consents WHERE user_id = $1 AND client_id = $2 AND resource = $3`,
      [userId, clientId, resource, maxAgeSeconds],
    );
    return rows[0] ?? null;
  }

  /** The scopes this user approved for this client and resource (owner first; docs/architecture.md C6). */
  async findScopes(userId: string, clientId: string, resource: string): Promise<string[] | null> {
    const rows = await this.dataSource.query<{ scopes: string[] }[]>(
      `SELECT scopes FROM oauth_consents WHERE user_id = $1 AND client_id = $2 AND resource = $3`,
      [userId, clientId, resource],
    );
    return rows[0]?.scopes ?? null;
  }

  /**
   * Records what the person approved on the page. Added to the stored consent (union) while that one
   * is for the same redirect URI set and still fresh; otherwise it replaces it. The tools of the scopes
   * approved now replace their earlier entries; the other scopes keep theirs (EXT-RC-01).
   */
  async grant(
    consent: {
      userId: string;
      clientId: string;
      resource: string;
      scopes: readonly string[];
      redirectUrisDigest: Buffer;
      maxAgeSeconds: number;
      /** Omitted: none recorded (EXT-RC-05). */
      coveredTools?: CoveredTools;
    },
    manager?: EntityManager,
  ): Promise<void> {
    await managerOf(this.dataSource, manager).query(
      `INSERT INTO oauth_consents (id, user_id, client_id, resource, scopes, redirect_uris_digest, covered_tools)
       VALUES ($1, $2, $3, $4, $5, $6, $8)
       ON CONFLICT (user_id, client_id, resource) DO UPDATE
         SET scopes = CASE
               WHEN oauth_consents.redirect_uris_digest = EXCLUDED.redirect_uris_digest
                AND oauth_consents.updated_at > now() - make_interval(secs => $7)
               THEN ARRAY(SELECT DISTINCT s FROM unnest(oauth_consents.scopes || EXCLUDED.scopes) AS s ORDER BY s)
               ELSE EXCLUDED.scopes END,
             covered_tools = CASE
               WHEN oauth_consents.redirect_uris_digest = EXCLUDED.redirect_uris_digest
                AND oauth_consents.updated_at > now() - make_interval(secs => $7)
               THEN COALESCE(oauth_consents.covered_tools, '{}'::jsonb) || EXCLUDED.covered_tools
               ELSE EXCLUDED.covered_tools END,
             redirect_uris_digest = EXCLUDED.redirect_uris_digest,
             updated_at = now()`,
      [
        randomUUID(),
        consent.userId,
        consent.clientId,
        consent.resource,
        consent.scopes,
        consent.redirectUrisDigest,
        consent.maxAgeSeconds,
        consent.coveredTools ?? {},
      ],
    );
  }
}
