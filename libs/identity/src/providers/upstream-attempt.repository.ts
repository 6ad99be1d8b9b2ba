import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UpstreamLoginAttemptEntity } from '../entities/upstream-login-attempt.entity';
import { sha256 } from '../secrets';

export interface NewAttempt {
  provider: string;
  state: string;
  browserBinding: string;
  codeVerifier: string | null;
  nonce: string | null;
  returnTo: string;
  ttlSeconds: number;
}

export interface ConsumedAttemptRow {
  browserHash: Buffer;
  codeVerifier: string | null;
  nonce: string | null;
  returnTo: string;
}

/** The only code that touches upstream_login_attempts. */
@Injectable()
export class UpstreamAttemptRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(attempt: NewAttempt): Promise<void> {
    await this.dataSource.getRepository(UpstreamLoginAttemptEntity).insert({
      id: randomUUID(),
      stateHash: sha256(attempt.state),
      browserHash: sha256(attempt.browserBinding),
      provider: attempt.provider,
      codeVerifier: attempt.codeVerifier,
      nonce: attempt.nonce,
      returnTo: attempt.returnTo,
      // The database clock decides expiry, both here and in consume().
      expiresAt: () => `now() + interval '${Math.trunc(attempt.ttlSeconds)} seconds'`,
    });
  }

  /**
   * Single use in one conditional write: the attempt whose state digest matches exactly, for this
   * provider, unexpired and not yet consumed, is marked consumed and returned. A second callback
   * with the same state (replay), a state we never issued, an expired one or another provider's all
   * get null. The PKCE verifier and nonce are handed back once and erased in the same statement.
   */
  async consume(provider: string, state: string): Promise<ConsumedAttemptRow | null> {
    const [rows]: [
      Array<{ browser_hash: Buffer; code_verifier: string | null; nonce: string | null; return_to: string }>,
      number,
    ] = await this.dataSource.query(
      `UPDATE upstream_login_attempts a
          SET consumed_at = now(), code_verifier = NULL, nonce = NULL
         FROM (SELECT id, code_verifier, nonce FROM upstream_login_attempts
                WHERE state_hash = $1 AND provider = $2 AND consumed_at IS NULL AND expires_at > now()
                FOR UPDATE) old
        WHERE a.id = old.id AND a.consumed_at IS NULL
        RETURNING a.browser_hash, old.code_verifier, old.nonce, a.return_to`,
      [sha256(state), provider],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      browserHash: row.browser_hash,
      codeVerifier: row.code_verifier,
      nonce: row.nonce,
      returnTo: row.return_to,
    };
  }

  /** Housekeeping: attempts that ended (consumed or expired) more than an hour ago. */
  async deleteStale(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM upstream_login_attempts WHERE id IN (
         SELECT id FROM upstream_login_attempts WHERE expires_at < now() - interval '1 hour' LIMIT 500)`,
    );
  }
}
