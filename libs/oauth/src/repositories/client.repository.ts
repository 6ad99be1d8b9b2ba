import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { OAuthClientEntity } from '../entities/oauth-client.entity';
import type { ValidatedClientMetadata } from '../clients/client-metadata';
import { managerOf, notifyRevocation } from './sql';

export interface ClientSecrets {
  clientSecretHash: Buffer | null;
  registrationTokenHash: Buffer | null;
}

@Injectable()
export class ClientRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return managerOf(this.dataSource, manager).getRepository(OAuthClientEntity);
  }

  async insert(
    clientId: string,
    metadata: ValidatedClientMetadata,
    secrets: ClientSecrets,
    manager?: EntityManager,
  ): Promise<OAuthClientEntity> {
    await this.repo(manager).insert({
      clientId,
      ...metadata,
      clientSecretHash: secrets.clientSecretHash,
      clientSecretExpiresAt: null,
      registrationTokenHash: secrets.registrationTokenHash,
      createdVia: 'dcr',
    });
    return (await this.find(clientId, manager))!;
  }

  find(clientId: string, manager?: EntityManager): Promise<OAuthClientEntity | null> {
    return this.repo(manager).findOne({ where: { clientId } });
  }

  /** The client with its secret digests (only for authentication and RFC 7592 management). */
  findWithSecrets(clientId: string, manager?: EntityManager): Promise<OAuthClientEntity | null> {
    return (
      this.repo(manager)
        .createQueryBuilder('c')
        .addSelect(['c.clientSecretHash', 'c.registrationTokenHash'])
        .where('c.client_id = :clientId', { clientId })
        // Issue #8: a client disabled by an administrator is unknown to client authentication.
        .andWhere('c.disabled_at IS NULL')
        .getOne()
    );
  }

  async replaceMetadata(
    clientId: string,
    metadata: ValidatedClientMetadata,
    clientSecretHash: Buffer | null | undefined,
    manager?: EntityManager,
  ): Promise<void> {
    const patch: QueryDeepPartialEntity<OAuthClientEntity> = {
      ...metadata,
    };
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
