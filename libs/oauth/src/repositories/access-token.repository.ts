import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { preparedQuery } from './prepared';
import { notifyRevocation, rowsOf } from './sql';

export interface AccessTokenRecord {
  id: string;
  grantId: string;
  clientId: string;
  /** Null for a client_credentials token (no person; RFC 6749 §4.4). */
  userId: string | null;
  scopes: string[];
  audience: string;
  createdAt: Date;
  expiresAt: Date;
  revoked: boolean;
}

const FIND_ACCESS_TOKEN = `SELECT at.id, at.grant_id AS "grantId", at.client_id AS "clientId", at.user_id AS "userId",
              at.scopes, at.audience, at.created_at AS "createdAt", at.expires_at AS "expiresAt",
              (at.revoked_at IS NOT NULL OR g.revoked_at IS NOT NULL) AS revoked
         FROM oauth_access_tokens at JOIN oauth_grants g ON g.id = at.grant_id
        WHERE at.token_hash = $1`;

/** Access tokens (issued by the code and refresh statements): lookup and revocation (docs/architecture.md C6). */
@Injectable()
export class AccessTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async revokeAccessToken(manager: EntityManager, tokenId: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await manager.query(
        `UPDATE oauth_access_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
        [tokenId],
      ),
    );
    if (rows.length > 0) await notifyRevocation(manager, { kind: 'token', id: tokenId });
    return rows.length > 0;
  }

  /** An access token by digest, with its grant's revocation folded into `revoked`. */
  async findAccessToken(tokenHash: Buffer, manager?: EntityManager): Promise<AccessTokenRecord | null> {
    // The verifier's cache-miss lookup (one index probe on UQ_oauth_access_tokens_hash).
    const rows = manager
      ? await manager.query<AccessTokenRecord[]>(FIND_ACCESS_TOKEN, [tokenHash])
      : await preparedQuery<AccessTokenRecord>(
          this.dataSource,
          'oauth_find_access_token',
          FIND_ACCESS_TOKEN,
          [tokenHash],
        );
    return rows[0] ?? null;
  }
}
