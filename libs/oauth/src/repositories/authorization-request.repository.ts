import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuthorizationRequestEntity } from '../entities/authorization-request.entity';
import { rowsOf } from './sql';

export interface NewAuthorizationRequest {
  handleHash: Buffer;
  clientId: string;
  redirectUri: string;
  redirectUriProvided: boolean;
  scopes: string[];
  resource: string;
  codeChallenge: string;
  state: string | null;
  prompt: string | null;
  maxAge: number | null;
  ttlSeconds: number;
}

export interface StoredAuthorizationRequest {
  id: string;
  clientId: string;
  redirectUri: string;
  redirectUriProvided: boolean;
  scopes: string[];
  resource: string;
  codeChallenge: string;
  state: string | null;
  prompt: string | null;
  maxAge: number | null;
  createdAt: Date;
  expiresAt: Date;
}

const COLUMNS = `id, client_id AS "clientId", redirect_uri AS "redirectUri",
  redirect_uri_provided AS "redirectUriProvided", scopes, resource, code_challenge AS "codeChallenge",
  state, prompt, max_age AS "maxAge", created_at AS "createdAt", expires_at AS "expiresAt"`;

@Injectable()
export class AuthorizationRequestRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(request: NewAuthorizationRequest): Promise<void> {
    const { ttlSeconds, ...fields } = request;
    await this.dataSource.getRepository(AuthorizationRequestEntity).insert({
      id: randomUUID(),
      ...fields,
      expiresAt: () => `now() + make_interval(secs => ${Number(ttlSeconds)})`,
    });
  }

  /** An unexpired, unanswered request by the digest of its handle. */
  async findActive(handleHash: Buffer): Promise<StoredAuthorizationRequest | null> {
    const rows = await this.dataSource.query<StoredAuthorizationRequest[]>(
      `SELECT ${COLUMNS} FROM oauth_authorization_requests
        WHERE handle_hash = $1 AND consumed_at IS NULL AND expires_at > now()`,
      [handleHash],
    );
    return rows[0] ?? null;
  }

  /** The consent page shows only what this person can be granted: the request keeps exactly that. */
  async narrowScopes(handleHash: Buffer, scopes: readonly string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE oauth_authorization_requests SET scopes = $2 WHERE handle_hash = $1 AND consumed_at IS NULL`,
      [handleHash, scopes],
    );
  }

  /** Single use: one conditional UPDATE; null when already answered, expired or unknown. */
  async consume(handleHash: Buffer): Promise<StoredAuthorizationRequest | null> {
    const rows = rowsOf<StoredAuthorizationRequest>(
      await this.dataSource.query(
        `UPDATE oauth_authorization_requests SET consumed_at = now()
          WHERE handle_hash = $1 AND consumed_at IS NULL AND expires_at > now()
          RETURNING ${COLUMNS}`,
        [handleHash],
      ),
    );
    return rows[0] ?? null;
  }

  /** Housekeeping: forget requests that expired a day ago. */
  async deleteExpired(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM oauth_authorization_requests WHERE expires_at < now() - interval '1 day'`,
    );
  }
}
