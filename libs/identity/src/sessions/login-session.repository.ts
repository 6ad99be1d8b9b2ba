import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { LoginSessionEntity } from '../entities/login-session.entity';
import { UserEntity } from '../entities/user.entity';

export interface StoredSession {
  readonly sessionId: string;
  readonly tokenHash: Buffer;
  readonly user: UserEntity;
  readonly createdAt: Date;
}

/** The only code that touches login_sessions. */
@Injectable()
export class LoginSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    row: {
      id: string;
      tokenHash: Buffer;
      userId: string;
      provider: string;
      ttlSeconds: number;
      ip: string | null;
    },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const { ttlSeconds, ...values } = row;
    await manager.getRepository(LoginSessionEntity).insert({
      ...values,
      // The database clock decides expiry, both here and in findLive().
      expiresAt: () => `now() + interval '${Math.trunc(ttlSeconds)} seconds'`,
    });
  }

  /** The live (unexpired) session with this digest, and its user when not disabled. */
  async findLive(tokenHash: Buffer): Promise<StoredSession | null> {
    const row = await this.dataSource
      .getRepository(LoginSessionEntity)
      .createQueryBuilder('s')
      .addSelect('s.tokenHash')
      .innerJoinAndSelect('s.user', 'u')
      .where('s.token_hash = :tokenHash', { tokenHash })
      .andWhere('s.expires_at > now()')
      .andWhere('u.disabled = false')
      .getOne();
    if (!row?.user) return null;
    return { sessionId: row.id, tokenHash: row.tokenHash, user: row.user, createdAt: row.createdAt };
  }

  async deleteByHash(
    tokenHash: Buffer,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string | null> {
    const result: [Array<{ user_id: string }>, number] = await manager.query(
      'DELETE FROM login_sessions WHERE token_hash = $1 RETURNING user_id',
      [tokenHash],
    );
    return result[0][0]?.user_id ?? null;
  }

  /** Ends every browser session of one user; returns how many. */
  async deleteAllForUser(manager: EntityManager, userId: string): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      'DELETE FROM login_sessions WHERE user_id = $1',
      [userId],
    );
    return count;
  }

  /** Housekeeping: sessions that expired more than a day ago. */
  async deleteExpired(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_sessions WHERE id IN (SELECT id FROM login_sessions WHERE expires_at < now() - interval '1 day' LIMIT 500)`,
    );
  }
}
