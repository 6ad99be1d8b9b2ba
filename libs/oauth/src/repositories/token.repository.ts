import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from '../grants-directory/scope-grant-policy';
import { auditInsertSql } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { CoveredTools } from '../tool-coverage/tool-coverage';
import { preparedQuery } from './prepared';
import { notifyRevocation, rowsOf } from './sql';

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

/** The audit event of a code redemption, written from the `redeemed` row of redeemCodeAndIssue. */
const ISSUED_EVENT = auditInsertSql(
  {
    type: "'token.issued'",
    userId: 'user_id',
    clientId: '$2',
    grantId: 'grant_id',
    ip: '$12',
    detail:
      "jsonb_build_object('grantType', 'authorization_code', 'scopes', scopes, 'refreshToken', $9::uuid IS NOT NULL)",
  },
  'redeemed',
);

export interface NewGrant {
  userId: string;
  clientId: string;
  scopes: readonly string[];
  resource: string;
  /** When the person approved on a page (null: now); the grant ends GRANT_MAX_LIFETIME after it. */
  approvedAt?: Date | null;
  /** EXT-RC-01: per granted scope, the tools the person approved with it (omitted: none recorded). */
  coveredTools?: CoveredTools | null;
}

export interface NewCode {
  codeHash: Buffer;
  grantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  redirectUriProvided: boolean;
  codeChallenge: string;
  scopes: readonly string[];
  resource: string;
  ttlSeconds: number;
}

export interface CodeRedemption {
  codeHash: Buffer;
  clientId: string;
  /** The S256 of the presented code_verifier. */
  codeChallenge: string;
  /** The redirect_uri sent with the token request, if any. */
  redirectUri: string | undefined;
  /** RFC 8707: the resource the token request names; null (not sent) = the code's own. */
  resource: string | null;
}

export interface RedeemedCode {
  id: string;
  grantId: string;
  userId: string;
  scopes: string[];
  resource: string;
}

export interface CodeState {
  grantId: string;
  clientId: string;
  consumed: boolean;
  expired: boolean;
  redirectUri: string;
  redirectUriProvided: boolean;
  codeChallenge: string;
  resource: string;
}

export interface NewToken {
  tokenHash: Buffer;
  grantId: string;
  clientId: string;
  userId: string;
  ttlSeconds: number;
}

/** A token minted in memory (id and digest), written by one of the single-statement methods below. */
export interface PreparedToken {
  id: string;
  tokenHash: Buffer;
  ttlSeconds: number;
}

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

export interface RefreshTokenState {
  id: string;
  grantId: string;
  clientId: string;
  userId: string;
  consumed: boolean;
  expired: boolean;
  grantRevoked: boolean;
  /** The grant's resource (RFC 8707): a live token presented for another resource is invalid_target. */
  resource: string;
  /** The successor issued at rotation (the context the grace response is sealed under). */
  replacedBy: string | null;
  /** The grant is older than GRANT_MAX_LIFETIME (counted from the person's approval). */
  grantExpired: boolean;
  /** Seconds since consumption (null when unconsumed). */
  consumedSecondsAgo: number | null;
  /** Whether the successor issued at rotation is still unused (the token was "just rotated"). */
  successorUnused: boolean;
  graceResponse: Buffer | null;
}

export interface AccessTokenRecord {
  id: string;
  grantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  audience: string;
  createdAt: Date;
  expiresAt: Date;
  revoked: boolean;
  /** Its grant's (EXT-RC-01; null: granted before records, EXT-RC-05). */
  coveredTools: CoveredTools | null;
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

/** The tables whose rows expire (housekeeping deletes them a day after `expires_at`). */
export const EXPIRING_TABLES = [
  'oauth_authorization_codes',
  'oauth_access_tokens',
  'oauth_refresh_tokens',
] as const;
export type ExpiringTable = (typeof EXPIRING_TABLES)[number];

export interface PurgeOptions {
  /** Rows per DELETE statement. */
  batchSize: number;
  /** Pause between two full batches, so other writers get the table between them. */
  pauseMs: number;
  /** Checked before every batch (shutdown). */
  shouldStop: () => boolean;
}

export interface PurgeResult {
  deleted: number;
  /** DELETE statements run (a table's last, partial batch included). */
  batches: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GRANT_MAX_LIFETIME's default (90 days), for a repository built without the configuration. */
const DEFAULT_GRANT_MAX_LIFETIME = 7_776_000;

/** Grants, codes, access and refresh tokens: the only code that touches these tables (docs/architecture.md C6). */
@Injectable()
export class TokenRepository {
  /**
   * Seconds from the person's approval (oauth_grants.approved_at) after which a grant's refresh token
   * no longer rotates (invalid_grant: they approve again); no refresh token outlives that end.
   */
  private readonly grantMaxLifetime: number;

  constructor(
    private readonly dataSource: DataSource,
    // Required (fails closed): a missing provider stops the boot instead of granting every scope.
    @Inject(SCOPE_GRANT_POLICY) private readonly scopePolicy: ScopeGrantPolicy,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.grantMaxLifetime = config?.tokens.grantMaxLifetime ?? DEFAULT_GRANT_MAX_LIFETIME;
  }

  /** Scopes the user may not hold (e.g. `admin` for a non-administrator) are never stored. */
  private grantable(userId: string, scopes: readonly string[]): Promise<readonly string[]> {
    return this.scopePolicy.grantable(userId, scopes);
  }

  async createGrant(manager: EntityManager, grant: NewGrant): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO oauth_grants (id, user_id, client_id, scopes, resource, approved_at, covered_tools)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), $7)`,
      [
        id,
        grant.userId,
        grant.clientId,
        await this.grantable(grant.userId, grant.scopes),
        grant.resource,
        grant.approvedAt ?? null,
        grant.coveredTools ?? null,
      ],
    );
    return id;
  }

  async insertCode(manager: EntityManager, code: NewCode): Promise<void> {
    await manager.query(
      `INSERT INTO oauth_authorization_codes (id, code_hash, grant_id, client_id, user_id, redirect_uri,
         redirect_uri_provided, code_challenge, scopes, resource, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
      [
        randomUUID(),
        code.codeHash,
        code.grantId,
        code.clientId,
        code.userId,
        code.redirectUri,
        code.redirectUriProvided,
        code.codeChallenge,
        await this.grantable(code.userId, code.scopes),
        code.resource,
        code.ttlSeconds,
      ],
    );
  }

  /** Why a redemption failed (read only after the conditional UPDATE found nothing). */
  async findCodeState(codeHash: Buffer): Promise<CodeState | null> {
    const rows = await this.dataSource.query<CodeState[]>(
      `SELECT grant_id AS "grantId", client_id AS "clientId", consumed_at IS NOT NULL AS consumed,
              expires_at <= now() AS expired, redirect_uri AS "redirectUri",
              redirect_uri_provided AS "redirectUriProvided", code_challenge AS "codeChallenge", resource
         FROM oauth_authorization_codes WHERE code_hash = $1`,
      [codeHash],
    );
    return rows[0] ?? null;
  }

  async insertAccessToken(
    manager: EntityManager,
    token: NewToken & { scopes: readonly string[]; audience: string },
  ): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`,
      [
        id,
        token.tokenHash,
        token.grantId,
        token.clientId,
        token.userId,
        token.scopes,
        token.audience,
        token.ttlSeconds,
      ],
    );
    return id;
  }

  async insertRefreshToken(manager: EntityManager, token: NewToken): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO oauth_refresh_tokens (id, token_hash, grant_id, client_id, user_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [id, token.tokenHash, token.grantId, token.clientId, token.userId, token.ttlSeconds],
    );
    return id;
  }

  /**
   * A refresh in ONE statement (AS-RT-03, docs/architecture.md C4), so one round trip and one commit. The
   * presented token is consumed by the conditional UPDATE (single use: of N concurrent uses exactly one
   * gets the row, the others wait on its row lock and then match nothing), which links it to its
   * successor and stores the sealed response for its retries within the grace window. The new access
   * and refresh tokens and the `refresh.rotated` audit event are inserted from its RETURNING row.
   * Nothing is written when the UPDATE matches nothing. `scopes` null: the access token gets the
   * grant's scopes. A single statement is atomic, so no explicit transaction is needed.
   * The sealed response stays on the consumed row (the layout every earlier version reads, so replicas
   * of both versions can serve a retry during a rolling upgrade); it is no longer cleared when the
   * successor is used, which cost a second UPDATE per rotation: a retry is refused then anyway
   * (successorUnused), and the row goes with the chain's expiry.
   */
  async rotateRefreshToken(r: RefreshRotation): Promise<RotatedRefreshToken | null> {
    const rows = await preparedQuery<RotatedRefreshToken>(
      this.dataSource,
      'oauth_rotate_refresh_token',
      `WITH consumed AS (
           UPDATE oauth_refresh_tokens rt
              SET consumed_at = now(), replaced_by = $3, grace_response = $4
             FROM oauth_grants g
            WHERE rt.token_hash = $1 AND rt.consumed_at IS NULL AND rt.expires_at > now()
              AND rt.client_id = $2 AND g.id = rt.grant_id AND g.revoked_at IS NULL
              AND ($5::text IS NULL OR g.resource = $5::text)
              -- GRANT_MAX_LIFETIME: an approval is good for so long, however often it is refreshed
              AND g.approved_at > now() - make_interval(secs => $13)
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
         SELECT id, grant_id AS "grantId", user_id AS "userId", scopes AS "grantScopes", resource FROM consumed`,
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

  /**
   * The grant scopes behind a refresh token that rotateRefreshToken would accept right now (read to
   * check a requested narrower scope before consuming; null when it would not match).
   */
  async liveRefreshGrantScopes(
    tokenHash: Buffer,
    clientId: string,
    resource: string | null,
  ): Promise<string[] | null> {
    const rows = await this.dataSource.query<{ scopes: string[] }[]>(
      `SELECT g.scopes FROM oauth_refresh_tokens rt JOIN oauth_grants g ON g.id = rt.grant_id
        WHERE rt.token_hash = $1 AND rt.consumed_at IS NULL AND rt.expires_at > now()
          AND rt.client_id = $2 AND g.revoked_at IS NULL AND ($3::text IS NULL OR g.resource = $3::text)
          AND g.approved_at > now() - make_interval(secs => $4)`,
      [tokenHash, clientId, resource, this.grantMaxLifetime],
    );
    return rows[0]?.scopes ?? null;
  }

  /**
   * Code redemption and token issuance in ONE statement (AS-PK-09, docs/architecture.md C4): the conditional
   * UPDATE of redeemCode, and the access (and, when `refresh` is given, refresh) token and the
   * `token.issued` audit event inserted from its RETURNING row. Nothing is written when the UPDATE
   * matches nothing. A single statement is atomic, so no explicit transaction is needed.
   */
  async redeemCodeAndIssue(
    r: CodeRedemption,
    access: PreparedToken,
    refresh: PreparedToken | null,
    ip: string,
  ): Promise<RedeemedCode | null> {
    const rows = await preparedQuery<RedeemedCode>(
      this.dataSource,
      'oauth_redeem_code_and_issue',
      `WITH redeemed AS (
           UPDATE oauth_authorization_codes c SET consumed_at = now()
             FROM oauth_grants g
            WHERE c.code_hash = $1 AND c.consumed_at IS NULL AND c.expires_at > now()
              AND c.client_id = $2 AND c.code_challenge = $3 AND ($5::text IS NULL OR c.resource = $5::text)
              -- RFC 6749 §4.1.3: the same redirect_uri if it was sent at authorization
              AND (c.redirect_uri = $4::text OR ($4::text IS NULL AND NOT c.redirect_uri_provided))
              AND g.id = c.grant_id AND g.revoked_at IS NULL
            RETURNING c.id, c.grant_id, c.user_id, c.scopes, c.resource, g.approved_at
         ), access AS (
           INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
           SELECT $6, $7, grant_id, $2, user_id, scopes, resource, now() + make_interval(secs => $8)
             FROM redeemed
         ), refresh AS (
           INSERT INTO oauth_refresh_tokens (id, token_hash, grant_id, client_id, user_id, expires_at)
           SELECT $9::uuid, $10::bytea, grant_id, $2, user_id,
                  -- never beyond the grant's end (GRANT_MAX_LIFETIME after the approval)
                  LEAST(now() + make_interval(secs => $11::int), approved_at + make_interval(secs => $13::int))
             FROM redeemed WHERE $9::uuid IS NOT NULL
         ), event AS (
           ${ISSUED_EVENT}
         )
         SELECT id, grant_id AS "grantId", user_id AS "userId", scopes, resource FROM redeemed`,
      [
        r.codeHash,
        r.clientId,
        r.codeChallenge,
        r.redirectUri ?? null,
        r.resource,
        access.id,
        access.tokenHash,
        access.ttlSeconds,
        refresh?.id ?? null,
        refresh?.tokenHash ?? null,
        refresh?.ttlSeconds ?? 0,
        ip,
        this.grantMaxLifetime,
      ],
    );
    return rows[0] ?? null;
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
    const sql = `SELECT at.id, at.grant_id AS "grantId", at.client_id AS "clientId", at.user_id AS "userId",
              at.scopes, at.audience, at.created_at AS "createdAt", at.expires_at AS "expiresAt",
              (at.revoked_at IS NOT NULL OR g.revoked_at IS NOT NULL) AS revoked,
              g.covered_tools AS "coveredTools"
         FROM oauth_access_tokens at JOIN oauth_grants g ON g.id = at.grant_id
        WHERE at.token_hash = $1`;
    // The verifier's cache-miss lookup (one index probe on UQ_oauth_access_tokens_hash).
    const rows = manager
      ? await manager.query<AccessTokenRecord[]>(sql, [tokenHash])
      : await preparedQuery<AccessTokenRecord>(this.dataSource, 'oauth_find_access_token', sql, [tokenHash]);
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

  /** Housekeeping: drop long-expired codes and tokens (their grants stay for the audit trail). */
  async deleteExpired(options: Partial<PurgeOptions> = {}): Promise<PurgeResult> {
    const batchSize = options.batchSize ?? 5000;
    const pauseMs = options.pauseMs ?? 50;
    const result: PurgeResult = { deleted: 0, batches: 0 };
    for (const table of EXPIRING_TABLES) {
      for (;;) {
        if (options.shouldStop?.()) return result;
        const deleted = await this.deleteExpiredBatch(table, batchSize);
        result.deleted += deleted;
        result.batches += 1;
        if (deleted < batchSize) break;
        await sleep(pauseMs);
      }
    }
    return result;
  }

  /**
   * One bounded batch — at most `limit` rows expired for a day, found by ctid and deleted in
   * their own short statement, so no delete holds row locks on more than one batch or runs for long.
   */
  async deleteExpiredBatch(table: ExpiringTable, limit: number): Promise<number> {
    const raw: unknown = await this.dataSource.query(
      `DELETE FROM ${table} WHERE ctid IN (
         SELECT ctid FROM ${table} WHERE expires_at < now() - interval '1 day' LIMIT $1)`,
      [limit],
    );
    return Array.isArray(raw) && typeof raw[1] === 'number' ? raw[1] : 0;
  }
}
