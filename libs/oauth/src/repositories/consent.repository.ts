import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { managerOf } from './sql';

@Injectable()
export class ConsentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The scopes this user approved for this client and resource (owner first; STYLE §6). */
  async findScopes(userId: string, clientId: string, resource: string): Promise<string[] | null> {
    const rows = await this.dataSource.query<{ scopes: string[] }[]>(
      `SELECT scopes FROM oauth_consents WHERE user_id = $1 AND client_id = $2 AND resource = $3`,
      [userId, clientId, resource],
    );
    return rows[0]?.scopes ?? null;
  }

  /** Adds scopes to the stored consent (union), creating it if needed. */
  async grant(
    userId: string,
    clientId: string,
    resource: string,
    scopes: readonly string[],
    manager?: EntityManager,
  ): Promise<void> {
    await managerOf(this.dataSource, manager).query(
      `INSERT INTO oauth_consents (id, user_id, client_id, resource, scopes)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id, client_id, resource) DO UPDATE
         SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(oauth_consents.scopes || EXCLUDED.scopes) AS s ORDER BY s),
             updated_at = now()`,
      [randomUUID(), userId, clientId, resource, scopes],
    );
  }
}
