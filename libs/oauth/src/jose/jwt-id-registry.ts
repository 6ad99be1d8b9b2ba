import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Single use of JWT ids (RFC 7519 §4.1.7 `jti`; RFC 7523 §3 item 7), for assertions this server accepts
 * from others. One row per (issuer, jti) in PostgreSQL, so a replay is refused on every replica (LB-06);
 * rows go once the JWT has expired, when it could no longer be accepted anyway (OAuthHousekeeping).
 */
@Injectable()
export class JwtIdRegistry {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the id; true the first time, false when it was already used (a replay). Pass `manager` to
   * make the record part of a transaction, so a request refused later leaves no row behind.
   */
  async useOnce(issuer: string, jti: string, expiresAt: Date, manager?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (manager ?? this.dataSource.manager).query(
      `INSERT INTO oauth_jwt_ids (issuer, jti, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (issuer, jti) DO NOTHING RETURNING 1`,
      [issuer, jti, expiresAt],
    );
    return rows.length === 1;
  }

  /** Deletes the ids of JWTs that have expired; returns how many. */
  async deleteExpired(): Promise<number> {
    const [, count] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM oauth_jwt_ids WHERE expires_at < now()`,
    );
    return count ?? 0;
  }
}
