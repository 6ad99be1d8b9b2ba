import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CoveredTools } from '../tool-coverage/tool-coverage';
import { notifyRevocation, rowsOf } from './sql';

export interface NewGrant {
  userId: string;
  clientId: string;
  /** Stored as given: the authorize flow has already kept only what the user may hold. */
  scopes: readonly string[];
  resource: string;
  /** When the person approved on a page (null: now); the grant ends GRANT_MAX_LIFETIME after it. */
  approvedAt?: Date | null;
  /** EXT-RC-01: per granted scope, the tools the person approved with it (omitted: none recorded). */
  coveredTools?: CoveredTools | null;
  /** The company IdP whose identity assertion grant (ID-JAG) made it (EXT-EMA-08); null: approved here. */
  grantedByIssuer?: string | null;
}

/** Grants: the only code that writes oauth_grants (docs/architecture.md C6). */
@Injectable()
export class GrantRepository {
  async createGrant(manager: EntityManager, grant: NewGrant): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO oauth_grants
         (id, user_id, client_id, scopes, resource, approved_at, covered_tools, granted_by_issuer)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), $7, $8)`,
      [
        id,
        grant.userId,
        grant.clientId,
        grant.scopes,
        grant.resource,
        grant.approvedAt ?? null,
        grant.coveredTools ?? null,
        grant.grantedByIssuer ?? null,
      ],
    );
    return id;
  }

  /**
   * The live grant an IdP already made for this person, client and resource that covers `scopes`
   * (EXT-EMA-08): its approval moves to now and it is reused, so a client renewing its token with a
   * new ID-JAG keeps one grant (one row on the Connected apps page) instead of adding one each time.
   */
  async renewIdpGrant(
    manager: EntityManager,
    grant: {
      userId: string;
      clientId: string;
      issuer: string;
      resource: string;
      scopes: readonly string[];
      coveredTools: CoveredTools;
    },
  ): Promise<string | null> {
    const rows = rowsOf<{ id: string }>(
      await manager.query(
        `UPDATE oauth_grants SET approved_at = now(), covered_tools = $6
          WHERE id = (SELECT id FROM oauth_grants
                       WHERE user_id = $1 AND client_id = $2 AND granted_by_issuer = $3 AND resource = $4
                         AND revoked_at IS NULL AND scopes @> $5::text[]
                       ORDER BY created_at DESC LIMIT 1 FOR UPDATE)
            AND revoked_at IS NULL
          RETURNING id`,
        [grant.userId, grant.clientId, grant.issuer, grant.resource, grant.scopes, grant.coveredTools],
      ),
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Revokes a grant and every token on it (RFC 6749 §10.5, reuse detection, RFC 7009) and announces
   * it to every replica. Returns false when it was already revoked.
   */
  async revokeGrant(manager: EntityManager, grantId: string, reason: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await manager.query(
        `UPDATE oauth_grants SET revoked_at = now(), revoked_reason = $2
          WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
        [grantId, reason],
      ),
    );
    if (rows.length === 0) return false;
    await manager.query(
      `UPDATE oauth_access_tokens SET revoked_at = now() WHERE grant_id = $1 AND revoked_at IS NULL`,
      [grantId],
    );
    await notifyRevocation(manager, { kind: 'grant', id: grantId });
    return true;
  }

  /** The user's unrevoked grants, locked until the caller's transaction ends (owner first; docs/architecture.md C6). */
  async liveGrantIds(manager: EntityManager, userId: string): Promise<string[]> {
    const rows = await manager.query<{ id: string }[]>(
      `SELECT id FROM oauth_grants WHERE user_id = $1 AND revoked_at IS NULL FOR UPDATE`,
      [userId],
    );
    return rows.map((r) => r.id);
  }
}
