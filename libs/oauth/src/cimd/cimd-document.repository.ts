import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction } from '@app/persistence';
import type { ValidatedClientMetadata } from '../clients/client-metadata';
import { CimdDocumentEntity } from './cimd-document.entity';

/** The shared document cache and the oauth_clients row of each URL client (the only TypeORM code of cimd/). */
@Injectable()
export class CimdDocumentRepository {
  constructor(private readonly dataSource: DataSource) {}

  findByUrl(url: string): Promise<CimdDocumentEntity | null> {
    return this.dataSource.getRepository(CimdDocumentEntity).findOne({ where: { url } });
  }

  findByClientId(clientId: string): Promise<CimdDocumentEntity | null> {
    return this.dataSource.getRepository(CimdDocumentEntity).findOne({ where: { clientId } });
  }

  /**
   * Stores a freshly fetched, validated document and mirrors it into the client's oauth_clients row,
   * in one transaction (any replica may write it; the last fetch wins). `redirect_uris_changed_at`
   * moves only when the set of redirect URIs differs from the cached one.
   */
  async store(
    url: string,
    clientId: string,
    metadata: ValidatedClientMetadata,
    document: Record<string, unknown>,
    lifetimeSeconds: number,
  ): Promise<void> {
    const redirectUris = [...metadata.redirectUris].sort();
    await inTransaction(this.dataSource, async (manager) => {
      await manager.query(
        `INSERT INTO oauth_clients (client_id, token_endpoint_auth_method, redirect_uris, grant_types,
            response_types, client_name, client_uri, logo_uri, tos_uri, policy_uri, contacts, scope,
            software_id, software_version, application_type, jwks, jwks_uri, created_via)
         VALUES ($1, $15, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17, 'cimd')
         ON CONFLICT (client_id) DO UPDATE SET
            redirect_uris = EXCLUDED.redirect_uris, grant_types = EXCLUDED.grant_types,
            response_types = EXCLUDED.response_types, client_name = EXCLUDED.client_name,
            client_uri = EXCLUDED.client_uri, logo_uri = EXCLUDED.logo_uri, tos_uri = EXCLUDED.tos_uri,
            policy_uri = EXCLUDED.policy_uri, contacts = EXCLUDED.contacts, scope = EXCLUDED.scope,
            software_id = EXCLUDED.software_id, software_version = EXCLUDED.software_version,
            application_type = EXCLUDED.application_type, updated_at = now(),
            token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method, jwks = EXCLUDED.jwks,
            jwks_uri = EXCLUDED.jwks_uri
          WHERE oauth_clients.created_via = 'cimd'`,
        [
          clientId,
          metadata.redirectUris,
          metadata.grantTypes,
          metadata.responseTypes,
          metadata.clientName,
          metadata.clientUri,
          metadata.logoUri,
          metadata.tosUri,
          metadata.policyUri,
          metadata.contacts,
          metadata.scope,
          metadata.softwareId,
          metadata.softwareVersion,
          metadata.applicationType,
          metadata.tokenEndpointAuthMethod,
          metadata.jwks === null ? null : JSON.stringify(metadata.jwks),
          metadata.jwksUri,
        ],
      );
      await manager.query(
        `INSERT INTO cimd_documents (url, client_id, document, redirect_uris, redirect_uris_changed_at, fetched_at, expires_at)
         VALUES ($1, $2, $3, $4, now(), now(), now() + make_interval(secs => $5))
         ON CONFLICT (url) DO UPDATE SET
            document = EXCLUDED.document, fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at,
            redirect_uris = EXCLUDED.redirect_uris,
            redirect_uris_changed_at = CASE WHEN cimd_documents.redirect_uris = EXCLUDED.redirect_uris
              THEN cimd_documents.redirect_uris_changed_at ELSE now() END`,
        [url, clientId, JSON.stringify(document), redirectUris, lifetimeSeconds],
      );
    });
  }

  /** When this user last gave consent to this client for this resource (owner first; docs/architecture.md C6). */
  async consentGivenAt(userId: string, clientId: string, resource: string): Promise<Date | null> {
    const rows = await this.dataSource.query<{ updated_at: Date }[]>(
      `SELECT updated_at FROM oauth_consents WHERE user_id = $1 AND client_id = $2 AND resource = $3`,
      [userId, clientId, resource],
    );
    return rows[0]?.updated_at ?? null;
  }
}
