import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { auditInsertSql } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { predicates } from '../token/conditions/condition';
import {
  CODE_REDEMPTION_CONDITIONS,
  type CodeRedemption,
  type CodeState,
} from '../token/conditions/code-conditions';
import { grantMaxLifetime } from './grant-lifetime';
import { preparedQuery } from './prepared';
import type { PreparedToken } from './prepared-token';

export type { CodeRedemption, CodeState } from '../token/conditions/code-conditions';

export interface NewCode {
  codeHash: Buffer;
  grantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  redirectUriProvided: boolean;
  codeChallenge: string;
  /** Stored as given: the authorize flow has already kept only what the user may hold. */
  scopes: readonly string[];
  resource: string;
  ttlSeconds: number;
}

export interface RedeemedCode {
  id: string;
  grantId: string;
  userId: string;
  scopes: string[];
  resource: string;
}

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

/**
 * Code redemption and token issuance in ONE statement (AS-PK-09, docs/architecture.md C4). Its WHERE is
 * CODE_REDEMPTION_CONDITIONS (token/conditions), built here once; generated.sql holds the result.
 */
export const REDEEM_CODE_AND_ISSUE = `WITH redeemed AS (
           UPDATE oauth_authorization_codes c SET consumed_at = now()
             FROM oauth_grants g
            WHERE c.code_hash = $1 AND g.id = c.grant_id
              AND ${predicates(CODE_REDEMPTION_CONDITIONS, { clientId: '$2', codeChallenge: '$3', redirectUri: '$4', resource: '$5' }, '              ')}
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
         SELECT id, grant_id AS "grantId", user_id AS "userId", scopes, resource FROM redeemed`;

/** Authorization codes: issuance, redemption and the state that explains a failed one (docs/architecture.md C6). */
@Injectable()
export class CodeRepository {
  private readonly grantMaxLifetime: number;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.grantMaxLifetime = grantMaxLifetime(config);
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
        code.scopes,
        code.resource,
        code.ttlSeconds,
      ],
    );
  }

  /** Why a redemption failed (read only after the conditional UPDATE found nothing). */
  async findCodeState(codeHash: Buffer): Promise<CodeState | null> {
    const rows = await this.dataSource.query<CodeState[]>(
      `SELECT c.grant_id AS "grantId", c.client_id AS "clientId", c.consumed_at IS NOT NULL AS consumed,
              c.expires_at <= now() AS expired, c.redirect_uri AS "redirectUri",
              c.redirect_uri_provided AS "redirectUriProvided", c.code_challenge AS "codeChallenge",
              c.resource, g.revoked_at IS NOT NULL AS "grantRevoked"
         FROM oauth_authorization_codes c JOIN oauth_grants g ON g.id = c.grant_id
        WHERE c.code_hash = $1`,
      [codeHash],
    );
    return rows[0] ?? null;
  }

  /**
   * The conditional UPDATE of the code (REDEEM_CODE_AND_ISSUE), and the access (and, when `refresh` is
   * given, refresh) token and the `token.issued` audit event inserted from its RETURNING row. Nothing is
   * written when the UPDATE matches nothing. A single statement is atomic, so no explicit transaction.
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
      REDEEM_CODE_AND_ISSUE,
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
}
