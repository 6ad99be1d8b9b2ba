import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessTokenRepository } from '../../libs/oauth/src/repositories/access-token.repository';
import { CodeRepository } from '../../libs/oauth/src/repositories/code.repository';
import { ExpiredTokenPurge } from '../../libs/oauth/src/repositories/expired-token-purge';
import { GrantRepository } from '../../libs/oauth/src/repositories/grant.repository';
import { RefreshTokenRepository } from '../../libs/oauth/src/repositories/refresh-token.repository';

/** An access token for seeding (tests only: production issues tokens in the code and refresh statements). */
export interface SeededAccessToken {
  tokenHash: Buffer;
  grantId: string;
  clientId: string;
  userId: string;
  scopes: readonly string[];
  audience: string;
  ttlSeconds: number;
}

/**
 * Tests only: the oauth token repositories (one per aggregate) behind one object, plus seeding that
 * production never does (an access token inserted on its own).
 */
export class TestTokenStore {
  readonly grants: GrantRepository;
  readonly codes: CodeRepository;
  readonly accessTokens: AccessTokenRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly purge: ExpiredTokenPurge;

  constructor(dataSource: DataSource) {
    this.grants = new GrantRepository();
    this.codes = new CodeRepository(dataSource);
    this.accessTokens = new AccessTokenRepository(dataSource);
    this.refreshTokens = new RefreshTokenRepository(dataSource);
    this.purge = new ExpiredTokenPurge(dataSource);
  }

  createGrant: GrantRepository['createGrant'] = (...a) => this.grants.createGrant(...a);
  revokeGrant: GrantRepository['revokeGrant'] = (...a) => this.grants.revokeGrant(...a);
  insertCode: CodeRepository['insertCode'] = (...a) => this.codes.insertCode(...a);
  findCodeState: CodeRepository['findCodeState'] = (...a) => this.codes.findCodeState(...a);
  redeemCodeAndIssue: CodeRepository['redeemCodeAndIssue'] = (...a) => this.codes.redeemCodeAndIssue(...a);
  findAccessToken: AccessTokenRepository['findAccessToken'] = (...a) =>
    this.accessTokens.findAccessToken(...a);
  rotateRefreshToken: RefreshTokenRepository['rotateRefreshToken'] = (...a) =>
    this.refreshTokens.rotateRefreshToken(...a);
  liveRefreshGrantScopes: RefreshTokenRepository['liveRefreshGrantScopes'] = (...a) =>
    this.refreshTokens.liveRefreshGrantScopes(...a);
  findRefreshTokenState: RefreshTokenRepository['findRefreshTokenState'] = (...a) =>
    this.refreshTokens.findRefreshTokenState(...a);
  deleteExpiredBatch: ExpiredTokenPurge['deleteExpiredBatch'] = (...a) => this.purge.deleteExpiredBatch(...a);

  async insertAccessToken(manager: EntityManager, token: SeededAccessToken): Promise<string> {
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
}
