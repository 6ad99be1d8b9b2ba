import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { managerOf, notifyRevocation, REVOCATION_CHANNEL, rowsOf } from '../repositories/sql';

/** One live grant of a user, joined with what the account page shows about its client. */
export interface ActiveGrantRow {
  id: string;
  clientId: string;
  clientName: string | null;
  createdVia: string;
  /** The client_id URL of a URL client (its metadata document); null for registered clients. */
  documentUrl: string | null;
  redirectUris: string[];
  scopes: string[];
  resource: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** The IdP whose ID-JAG made the grant; null when the person approved it here. */
  grantedByIssuer: string | null;
}

export interface ClientRow {
  clientId: string;
  clientName: string | null;
  createdVia: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  disabledAt: Date | null;
  tokenEndpointAuthMethod: string;
  rememberConsent: boolean;
  activeGrants: number;
  /** Whether any grant was ever made for it or it ever used the token endpoint. */
  everUsed: boolean;
  /** The IdPs whose ID-JAGs made its active grants. */
  grantedByIssuers: string[];
}

/**
 * A grant is active while it is unrevoked and something on it can still be used: an unexpired access
 * token, an unconsumed unexpired refresh token or authorization code.
 */
const GRANT_IS_LIVE = `g.revoked_at IS NULL AND (
     EXISTS (SELECT 1 FROM oauth_access_tokens t WHERE t.grant_id = g.id AND t.revoked_at IS NULL AND t.expires_at > now())
  OR EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE r.grant_id = g.id AND r.consumed_at IS NULL AND r.expires_at > now())
  OR EXISTS (SELECT 1 FROM oauth_authorization_codes c WHERE c.grant_id = g.id AND c.consumed_at IS NULL AND c.expires_at > now()))`;

/** Queries over grants and clients (docs/architecture.md C6: every user read takes the owner first). */
@Injectable()
export class GrantsDirectoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  activeGrantsOf(userId: string): Promise<ActiveGrantRow[]> {
    return this.dataSource.query<ActiveGrantRow[]>(
      `SELECT g.id, g.client_id AS "clientId", c.client_name AS "clientName", c.created_via AS "createdVia",
              d.url AS "documentUrl", c.redirect_uris AS "redirectUris", g.scopes, g.resource,
              g.created_at AS "createdAt", g.last_used_at AS "lastUsedAt", g.granted_by_issuer AS "grantedByIssuer"
         FROM oauth_grants g JOIN oauth_clients c ON c.client_id = g.client_id
         LEFT JOIN cimd_documents d ON d.client_id = c.client_id
        WHERE g.user_id = $1 AND c.disabled_at IS NULL AND ${GRANT_IS_LIVE}
        ORDER BY g.created_at DESC, g.id`,
      [userId],
    );
  }

  /** Display names of clients (for the activity page); unknown ids are simply absent. */
  async clientNames(clientIds: readonly string[]): Promise<Map<string, string>> {
    if (clientIds.length === 0) return new Map();
    const rows = await this.dataSource.query<{ clientId: string; name: string }[]>(
      `SELECT client_id AS "clientId", COALESCE(client_name, client_id) AS name
         FROM oauth_clients WHERE client_id = ANY($1)`,
      [[...new Set(clientIds)]],
    );
    return new Map(rows.map((r) => [r.clientId, r.name]));
  }

  /** The user's unrevoked grant, locked until the transaction ends; null when it is not theirs. */
  async lockUserGrant(
    manager: EntityManager,
    userId: string,
    grantId: string,
  ): Promise<{ clientId: string; resource: string } | null> {
    const rows = await manager.query<{ clientId: string; resource: string }[]>(
      `SELECT client_id AS "clientId", resource FROM oauth_grants
        WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL FOR UPDATE`,
      [userId, grantId],
    );
    return rows[0] ?? null;
  }

  /** Forgets the stored consent, so the next authorization asks the user again. */
  async deleteConsent(
    manager: EntityManager,
    userId: string,
    clientId: string,
    resource: string,
  ): Promise<void> {
    await manager.query(
      `DELETE FROM oauth_consents WHERE user_id = $1 AND client_id = $2 AND resource = $3`,
      [userId, clientId, resource],
    );
  }

  /** At most once a minute per grant (the WHERE makes a second write within the minute a no-op). */
  async touchGrant(grantId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE oauth_grants SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [grantId],
    );
  }

  listClients(): Promise<ClientRow[]> {
    return this.dataSource.query<ClientRow[]>(
      `SELECT c.client_id AS "clientId", c.client_name AS "clientName", c.created_via AS "createdVia",
              c.created_at AS "createdAt", c.disabled_at AS "disabledAt",
              c.token_endpoint_auth_method AS "tokenEndpointAuthMethod", c.remember_consent AS "rememberConsent",
              GREATEST(c.last_used_at, (SELECT max(g.last_used_at) FROM oauth_grants g WHERE g.client_id = c.client_id)) AS "lastUsedAt",
              (SELECT count(*)::int FROM oauth_grants g WHERE g.client_id = c.client_id AND ${GRANT_IS_LIVE}) AS "activeGrants",
              (c.last_used_at IS NOT NULL OR EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = c.client_id)) AS "everUsed",
              ARRAY(SELECT DISTINCT g.granted_by_issuer FROM oauth_grants g
                     WHERE g.client_id = c.client_id AND g.granted_by_issuer IS NOT NULL AND ${GRANT_IS_LIVE}
                     ORDER BY 1) AS "grantedByIssuers"
         FROM oauth_clients c
        ORDER BY c.created_at DESC, c.client_id`,
    );
  }

  /**
   * Marks the client disabled and revokes every grant and access token on it in the caller's
   * transaction; the NOTIFY tells every replica's token cache at commit. False when unknown or
   * already disabled.
   */
  async disableClient(manager: EntityManager, clientId: string): Promise<number | null> {
    const rows = rowsOf<{ client_id: string }>(
      await manager.query(
        `UPDATE oauth_clients SET disabled_at = now() WHERE client_id = $1 AND disabled_at IS NULL RETURNING client_id`,
        [clientId],
      ),
    );
    if (rows.length === 0) return null;
    const grants = rowsOf<{ id: string }>(
      await manager.query(
        `UPDATE oauth_grants SET revoked_at = now(), revoked_reason = 'client_disabled'
          WHERE client_id = $1 AND revoked_at IS NULL RETURNING id`,
        [clientId],
      ),
    );
    await manager.query(
      `UPDATE oauth_access_tokens SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL`,
      [clientId],
    );
    await manager.query(`DELETE FROM oauth_consents WHERE client_id = $1`, [clientId]);
    await notifyRevocation(manager, { kind: 'client', id: clientId });
    return grants.length;
  }

  async enableClient(manager: EntityManager, clientId: string): Promise<boolean> {
    const rows = rowsOf<{ client_id: string }>(
      await manager.query(
        `UPDATE oauth_clients SET disabled_at = NULL WHERE client_id = $1 AND disabled_at IS NOT NULL RETURNING client_id`,
        [clientId],
      ),
    );
    if (rows.length === 0) return false;
    // People approve again after Enable: no consent given before (or raced in while disabled) counts.
    await manager.query(`DELETE FROM oauth_consents WHERE client_id = $1`, [clientId]);
    return true;
  }

  /**
   * RFC 8252 §8.6: lets a remembered consent skip the one-click page for this client. Only for a client
   * an administrator registered (a self-registered or URL client's redirect URIs were chosen by anyone).
   * False when unknown, not administrator-registered, or already in that state.
   */
  async setRememberConsent(manager: EntityManager, clientId: string, remember: boolean): Promise<boolean> {
    const rows = rowsOf<{ client_id: string }>(
      await manager.query(
        `UPDATE oauth_clients SET remember_consent = $2
          WHERE client_id = $1 AND created_via = 'admin' AND remember_consent <> $2 RETURNING client_id`,
        [clientId, remember],
      ),
    );
    if (rows.length > 0) await notifyRevocation(manager, { kind: 'client', id: clientId });
    return rows.length > 0;
  }

  /** Deletes a self-registered client that was never used; null when it does not qualify. */
  async deleteUnusedSelfRegistered(manager: EntityManager, clientId: string): Promise<boolean> {
    const rows = rowsOf<{ client_id: string }>(
      await manager.query(
        `DELETE FROM oauth_clients c
          WHERE c.client_id = $1 AND c.created_via = 'dcr' AND c.last_used_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = c.client_id)
          RETURNING c.client_id`,
        [clientId],
      ),
    );
    if (rows.length > 0) await notifyRevocation(manager, { kind: 'client', id: clientId });
    return rows.length > 0;
  }

  /**
   * Housekeeping (DCR_CLIENT_TTL_DAYS): self-registered clients with no activity (registration, token
   * request or token use) for `days` days, and no live grant, are deleted with everything on them.
   */
  async deleteStaleSelfRegistered(days: number, manager?: EntityManager): Promise<string[]> {
    // One statement: the deletion and the `client` notice for every replica's client cache
    // commit together.
    const rows = rowsOf<{ client_id: string }>(
      await managerOf(this.dataSource, manager).query(
        `WITH deleted AS (
           DELETE FROM oauth_clients c
            WHERE c.created_via = 'dcr'
              AND GREATEST(c.created_at, c.last_used_at,
                    (SELECT max(g.last_used_at) FROM oauth_grants g WHERE g.client_id = c.client_id))
                  < now() - make_interval(days => $1)
              AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = c.client_id AND ${GRANT_IS_LIVE})
            RETURNING c.client_id
         )
         SELECT client_id, pg_notify($2, json_build_object('kind', 'client', 'id', client_id)::text)
           FROM deleted`,
        [days, REVOCATION_CHANNEL],
      ),
    );
    return rows.map((r) => r.client_id);
  }
}
