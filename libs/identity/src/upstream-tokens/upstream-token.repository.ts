import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** A stored row as the vault needs it: sealed values and what the database clock says about them. */
export interface SealedTokenRow {
  readonly accessToken: Buffer;
  readonly refreshToken: Buffer | null;
  /** The access token has no expiry or expires more than FRESHNESS_MARGIN_SECONDS from now. */
  readonly fresh: boolean;
}

/** What the account page shows: never a token. */
export interface UpstreamConnection {
  readonly provider: string;
  readonly scopes: readonly string[];
  readonly connectedAt: Date;
  readonly expiresAt: Date | null;
}

export interface TokenRowValues {
  readonly accessToken: Buffer;
  readonly refreshToken: Buffer | null;
  /** Seconds from now (database clock); null = does not expire. */
  readonly expiresIn: number | null;
  readonly refreshExpiresIn: number | null;
  readonly scopes: string;
}

/** A token this close to its expiry counts as expired, so it cannot lapse during the API call. */
export const FRESHNESS_MARGIN_SECONDS = 60;

const SELECT_SEALED = `SELECT access_token, refresh_token,
  (access_expires_at IS NULL OR access_expires_at > now() + make_interval(secs => ${FRESHNESS_MARGIN_SECONDS})) AS fresh
  FROM upstream_tokens WHERE user_id = $1 AND provider = $2`;

interface RawSealed {
  access_token: Buffer;
  refresh_token: Buffer | null;
  fresh: boolean;
}
const toSealed = (r: RawSealed | undefined): SealedTokenRow | null =>
  r ? { accessToken: r.access_token, refreshToken: r.refresh_token, fresh: r.fresh } : null;

/** The only code that touches upstream_tokens. Every method takes the owner first (docs/architecture.md C6). */
@Injectable()
export class UpstreamTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(userId: string, provider: string): Promise<SealedTokenRow | null> {
    const rows = await this.dataSource.query<RawSealed[]>(SELECT_SEALED, [userId, provider]);
    return toSealed(rows[0]);
  }

  /**
   * Runs `work` while holding the row's lock (SELECT … FOR UPDATE): one refresh at a time per person
   * and provider across every replica; a second caller waits here and then sees the first one's result
   * (LB-06). The row is null when it does not exist (nothing is locked then).
   */
  withLock<T>(
    userId: string,
    provider: string,
    work: (row: SealedTokenRow | null, manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<RawSealed[]>(`${SELECT_SEALED} FOR UPDATE`, [userId, provider]);
      return work(toSealed(rows[0]), manager);
    });
  }

  /** Inserts or replaces the row (a new sign-in or a refresh). A refresh without a new refresh token keeps the old one. */
  async save(
    manager: EntityManager,
    userId: string,
    provider: string,
    v: TokenRowValues,
    keepRefreshToken = false,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO upstream_tokens AS t (user_id, provider, access_token, refresh_token, access_expires_at,
         refresh_expires_at, scopes, created_at, updated_at)
       VALUES ($1, $2, $3, $4,
         CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(secs => $5::int) END,
         CASE WHEN $6::int IS NULL THEN NULL ELSE now() + make_interval(secs => $6::int) END,
         $7, now(), now())
       ON CONFLICT (user_id, provider) DO UPDATE SET
         access_token = EXCLUDED.access_token,
         refresh_token = CASE WHEN $8 AND EXCLUDED.refresh_token IS NULL THEN t.refresh_token ELSE EXCLUDED.refresh_token END,
         access_expires_at = EXCLUDED.access_expires_at,
         refresh_expires_at = CASE WHEN $8 AND EXCLUDED.refresh_token IS NULL THEN t.refresh_expires_at ELSE EXCLUDED.refresh_expires_at END,
         scopes = CASE WHEN EXCLUDED.scopes = '' THEN t.scopes ELSE EXCLUDED.scopes END,
         updated_at = now()`,
      [
        userId,
        provider,
        v.accessToken,
        v.refreshToken,
        v.expiresIn,
        v.refreshExpiresIn,
        v.scopes.slice(0, 2048),
        keepRefreshToken,
      ],
    );
  }

  /** Replaces the sealed values only (a key rollover), keeping expiry and scopes. */
  async replaceSealed(
    manager: EntityManager,
    userId: string,
    provider: string,
    accessToken: Buffer,
    refreshToken: Buffer | null,
  ): Promise<void> {
    await manager.query(
      `UPDATE upstream_tokens SET access_token = $3, refresh_token = $4, updated_at = now()
        WHERE user_id = $1 AND provider = $2`,
      [userId, provider, accessToken, refreshToken],
    );
  }

  /** True when there was a row. */
  async delete(
    userId: string,
    provider: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const [, count]: [unknown, number] = await manager.query(
      'DELETE FROM upstream_tokens WHERE user_id = $1 AND provider = $2',
      [userId, provider],
    );
    return count > 0;
  }

  async deleteAllForUser(userId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      'DELETE FROM upstream_tokens WHERE user_id = $1',
      [userId],
    );
    return count;
  }

  async connections(userId: string): Promise<UpstreamConnection[]> {
    const rows = await this.dataSource.query<
      { provider: string; scopes: string; created_at: Date; access_expires_at: Date | null }[]
    >(
      'SELECT provider, scopes, created_at, access_expires_at FROM upstream_tokens WHERE user_id = $1 ORDER BY provider',
      [userId],
    );
    return rows.map((r) => ({
      provider: r.provider,
      scopes: r.scopes.split(/[\s,]+/).filter(Boolean),
      connectedAt: r.created_at,
      expiresAt: r.access_expires_at,
    }));
  }
}
