import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { OAuthClientEntity } from '../entities/oauth-client.entity';
import type { ValidatedClientMetadata } from '../clients/client-metadata';
import { preparedQuery } from './prepared';
import { managerOf, notifyRevocation } from './sql';

export interface ClientSecrets {
  clientSecretHash: Buffer | null;
  registrationTokenHash: Buffer | null;
}

@Injectable()
export class ClientRepository {
  private selectWithSecrets: string | undefined;

  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return managerOf(this.dataSource, manager).getRepository(OAuthClientEntity);
  }

  async insert(
    clientId: string,
    metadata: ValidatedClientMetadata,
    secrets: ClientSecrets,
    manager?: EntityManager,
    createdVia: 'dcr' | 'admin' = 'dcr',
  ): Promise<OAuthClientEntity> {
    // `jwks` is a jsonb document, which TypeORM's deep-partial type does not describe.
    await this.repo(manager).insert({
      clientId,
      ...metadata,
      clientSecretHash: secrets.clientSecretHash,
      clientSecretExpiresAt: null,
      registrationTokenHash: secrets.registrationTokenHash,
      createdVia,
    } as QueryDeepPartialEntity<OAuthClientEntity>);
    return (await this.find(clientId, manager))!;
  }

  find(clientId: string, manager?: EntityManager): Promise<OAuthClientEntity | null> {
    return this.repo(manager).findOne({ where: { clientId } });
  }

  /**
   * The client with its secret digests (only for authentication and RFC 7592 management).
   * On every token request, so one named prepared statement whose select list comes from the entity's
   * metadata (every column, under its property name), hydrated without TypeORM's query builder.
   */
  async findWithSecrets(clientId: string): Promise<OAuthClientEntity | null> {
    this.selectWithSecrets ??= `SELECT ${this.dataSource
      .getMetadata(OAuthClientEntity)
      .columns.map((c) => `"${c.databaseName}" AS "${c.propertyName}"`)
      .join(', ')} FROM oauth_clients WHERE client_id = $1 AND disabled_at IS NULL`;
    // A client disabled by an administrator is unknown to client authentication.
    const rows = await preparedQuery<Record<string, unknown>>(
      this.dataSource,
      'oauth_client_with_secrets',
      this.selectWithSecrets,
      [clientId],
    );
    return rows.length > 0 ? Object.assign(new OAuthClientEntity(), rows[0]) : null;
  }

  async replaceMetadata(
    clientId: string,
    metadata: ValidatedClientMetadata,
    clientSecretHash: Buffer | null | undefined,
    manager?: EntityManager,
  ): Promise<void> {
    const patch = { ...metadata } as QueryDeepPartialEntity<OAuthClientEntity>;
    if (clientSecretHash !== undefined) patch.clientSecretHash = clientSecretHash;
    await this.repo(manager).update({ clientId }, patch);
  }

  /** Deletes the client; its grants, codes and tokens go with it (ON DELETE CASCADE). */
  async delete(clientId: string, manager: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ clientId });
    await notifyRevocation(manager, { kind: 'client', id: clientId });
    return (result.affected ?? 0) > 0;
  }

  async touchLastUsed(clientId: string): Promise<void> {
    // At most once a minute per client, so the hot path does not write on every token request.
    await this.dataSource.query(
      `UPDATE oauth_clients SET last_used_at = now()
        WHERE client_id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [clientId],
    );
  }
}
