import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditInsertSql } from '@app/audit';
import type { PreparedToken } from './prepared-token';
import type { CoveredTools } from '../tool-coverage/tool-coverage';

/** The `token.issued` event of a client_credentials grant, written from the new grant row. */
const ISSUED_EVENT = auditInsertSql(
  {
    type: "'token.issued'",
    userId: 'NULL::uuid',
    clientId: 'client_id',
    grantId: 'id',
    ip: '$7',
    detail: "jsonb_build_object('grantType', 'client_credentials', 'scopes', scopes, 'refreshToken', false)",
  },
  'created',
);

export interface ClientGrantRequest {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly access: PreparedToken;
  readonly ip: string;
  /** EXT-RC-01: the tools the granted scopes reach at issuance. */
  readonly coveredTools: CoveredTools;
}

/**
 * Grants of the client_credentials grant (RFC 6749 §4.4): the client acts for itself, so the grant
 * and its access token name no user (user_id NULL), and no refresh token is issued (§4.4.3).
 */
@Injectable()
export class ClientGrantRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The grant, its access token and the audit event in one statement (docs/architecture.md C4). */
  async issue(request: ClientGrantRequest): Promise<string> {
    const grantId = randomUUID();
    await this.dataSource.query(
      `WITH created AS (
           INSERT INTO oauth_grants (id, user_id, client_id, scopes, resource, approved_at, covered_tools)
           VALUES ($1, NULL, $2, $3, $4, now(), $9)
           RETURNING id, client_id, scopes, resource
         ), access AS (
           INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
           SELECT $5, $6, id, client_id, NULL, scopes, resource, now() + make_interval(secs => $8)
             FROM created
         ), event AS (
           ${ISSUED_EVENT}
         )
         SELECT id FROM created`,
      [
        grantId,
        request.clientId,
        request.scopes,
        request.resource,
        request.access.id,
        request.access.tokenHash,
        request.ip,
        request.access.ttlSeconds,
        request.coveredTools,
      ],
    );
    return grantId;
  }

  /**
   * Housekeeping: a client-only grant is worth nothing once its one access token is gone (deleted a
   * day after expiry with the others), and the client asks for a new grant each time. Bounded batch.
   */
  async deleteSpent(limit = 5000): Promise<number> {
    const raw: unknown = await this.dataSource.query(
      `DELETE FROM oauth_grants WHERE id IN (
         SELECT g.id FROM oauth_grants g
          WHERE g.user_id IS NULL AND g.created_at < now() - interval '1 day'
            AND NOT EXISTS (SELECT 1 FROM oauth_access_tokens t WHERE t.grant_id = g.id)
          LIMIT $1)`,
      [limit],
    );
    return Array.isArray(raw) && typeof raw[1] === 'number' ? raw[1] : 0;
  }
}
