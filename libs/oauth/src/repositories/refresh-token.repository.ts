import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditInsertSql } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { predicates } from '../token/conditions/condition';
import { REFRESH_ROTATION_CONDITIONS, type RefreshTokenState } from '../token/conditions/refresh-conditions';
import { grantMaxLifetime } from './grant-lifetime';
import { preparedQuery } from './prepared';
import type { PreparedToken } from './prepared-token';

export type { RefreshTokenState } from '../token/conditions/refresh-conditions';

export interface RefreshRotation {
  tokenHash: Buffer;
  clientId: string;
  /** The grant's resource the request names (RFC 8707; part of the match); null = the grant's own. */
  resource: string | null;
  /** Scopes of the new access token; null → the grant's. */
  scopes: readonly string[] | null;
  access: PreparedToken;
  successor: PreparedToken;
  /** The grace-window response, sealed under the successor's id (null: no grace window). */
  sealedResponse: Buffer | null;
  /** Client IP for the `refresh.rotated` audit event the statement writes. */
  ip: string;
}

export interface RotatedRefreshToken {
  id: string;
  grantId: string;
  userId: string;
  grantScopes: string[];
  resource: string;
}

export interface RefreshTokenRecord {
  id: string;
  grantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  resource: string;
  createdAt: Date;
  expiresAt: Date;
  active: boolean;
}

/** The audit event of a rotation, written from the `consumed` row of rotateRefreshToken's statement. */
const ROTATED_EVENT = auditInsertSql(
  {
    type: "'refresh.rotated'",
    userId: 'user_id',
    clientId: '$2',
    grantId: 'grant_id',
    ip: '$12',
    detail: "jsonb_build_object('scopes', COALESCE($8::text[], scopes))",
  },
  'consumed',
);

/**
 * A refresh in ONE statement (AS-RT-03, docs/architecture.md C4). Its WHERE is
 * REFRESH_ROTATION_CONDITIONS (token/conditions), built here once; generated.sql holds the result.
 */
export const ROTATE_REFRESH_TOKEN = `WITH consumed AS (
           UPDATE oauth_refresh_tokens rt
              SET consumed_at = now(), replaced_by = $3, grace_response = $4
             FROM oauth_grants g
            WHERE rt.token_hash = $1 AND g.id = rt.grant_id
              AND ${predicates(REFRESH_ROTATION_CONDITIONS, { clientId: '$2', resource: '$5', grantMaxLifetime: '$13' }, '              ')}
            RETURNING rt.id, rt.grant_id, rt.user_id, g.scopes, g.resource, g.approved_at
         ), access AS (
           INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
           SELECT $6, $7, grant_id, $2, user_id, COALESCE($8::text[], scopes), resource,
                  now() + make_interval(secs => $9)
             FROM consumed
         ), successor AS (
           INSERT INTO oauth_refresh_tokens (id, token_hash, grant_id, client_id, user_id, expires_at)
           SELECT $3, $10, grant_id, $2, user_id,
                  LEAST(now() + make_interval(secs => $11), approved_at + make_interval(secs => $13))
             FROM consumed
         ), event AS (
           ${ROTATED_EVENT}
         )
         SELECT id, grant_id AS "grantId", user_id AS "userId", scopes AS "grantScopes", resource FROM consumed`;

/** The grant scopes behind a refresh token that ROTATE_REFRESH_TOKEN would accept now (same conditions). */
export const LIVE_REFRESH_GRANT_SCOPES = `SELECT g.scopes FROM oauth_refresh_tokens rt JOIN oauth_grants g ON g.id = rt.grant_id
        WHERE rt.token_hash = $1
          AND ${predicates(REFRESH_ROTATION_CONDITIONS, { clientId: '$2', resource: '$3', grantMaxLifetime: '$4' }, '          ')}`;

/** Refresh tokens: rotation, its failure state, lookup (docs/architecture.md C6). */
@Injectable()
export class RefreshTokenRepository {
  private readonly grantMaxLifetime: number;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.grantMaxLifetime = grantMaxLifetime(config);
  }

  /**
   * The presented token is consumed by the conditional UPDATE of ROTATE_REFRESH_TOKEN (single use: of
   * N concurrent uses exactly one gets the row, the others wait on its row lock and then match
   * nothing), which links it to its successor and stores the sealed response for its retries within
   * the grace window. The new access and refresh tokens and the `refresh.rotated` audit event are
   * inserted from its RETURNING row; nothing is written when the UPDATE matches nothing. `scopes`
   * null: the access token gets the grant's scopes. A single statement is atomic (no transaction).
   * The sealed response stays on the consumed row (the layout every earlier version reads, so replicas
   * of both versions can serve a retry during a rolling upgrade); a retry is refused once the
   * successor is used anyway (successorUnused), and the row goes with the chain's expiry.
   */
  async rotateRefreshToken(r: RefreshRotation): Promise<RotatedRefreshToken | null> {
    const rows = await preparedQuery<RotatedRefreshToken>(
      this.dataSource,
      'oauth_rotate_refresh_token',
      ROTATE_REFRESH_TOKEN,
      [
        r.tokenHash,
        r.clientId,
        r.successor.id,
        r.sealedResponse,
        r.resource,
        r.access.id,
        r.access.tokenHash,
        r.scopes,
        r.access.ttlSeconds,
        r.successor.tokenHash,
        r.successor.ttlSeconds,
        r.ip,
        this.grantMaxLifetime,
      ],
    );
    return rows[0] ?? null;
  }

  /** Read to check a requested narrower scope before consuming; null when the rotation would not match. */
  async liveRefreshGrantScopes(
    tokenHash: Buffer,
    clientId: string,
    resource: string | null,
  ): Promise<string[] | null> {
    const rows = await this.dataSource.query<{ scopes: string[] }[]>(LIVE_REFRESH_GRANT_SCOPES, [
      tokenHash,
      clientId,
      resource,
      this.grantMaxLifetime,
    ]);
    return rows[0]?.scopes ?? null;
  }

  async findRefreshTokenState(tokenHash: Buffer): Promise<RefreshTokenState | null> {
    const rows = await this.dataSource.query<RefreshTokenState[]>(
      `SELECT rt.id, rt.grant_id AS "grantId", rt.client_id AS "clientId", rt.user_id AS "userId",
              rt.consumed_at IS NOT NULL AS consumed, rt.expires_at <= now() AS expired,
              g.revoked_at IS NOT NULL AS "grantRevoked", g.resource, rt.replaced_by AS "replacedBy",
              g.approved_at <= now() - make_interval(secs => $2) AS "grantExpired",
              extract(epoch FROM now() - rt.consumed_at)::float8 AS "consumedSecondsAgo",
              (s.id IS NOT NULL AND s.consumed_at IS NULL) AS "successorUnused",
              rt.grace_response AS "graceResponse"
         FROM oauth_refresh_tokens rt
         JOIN oauth_grants g ON g.id = rt.grant_id
         LEFT JOIN oauth_refresh_tokens s ON s.id = rt.replaced_by
        WHERE rt.token_hash = $1`,
      [tokenHash, this.grantMaxLifetime],
    );
    return rows[0] ?? null;
  }

  async findRefreshToken(tokenHash: Buffer): Promise<RefreshTokenRecord | null> {
    const rows = await this.dataSource.query<RefreshTokenRecord[]>(
      `SELECT rt.id, rt.grant_id AS "grantId", rt.client_id AS "clientId", rt.user_id AS "userId",
              g.scopes, g.resource, rt.created_at AS "createdAt", rt.expires_at AS "expiresAt",
              (rt.consumed_at IS NULL AND rt.expires_at > now() AND g.revoked_at IS NULL) AS active
         FROM oauth_refresh_tokens rt JOIN oauth_grants g ON g.id = rt.grant_id
        WHERE rt.token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }
}
