import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { inTransaction, isVisibleAscii } from '@app/persistence';
import { bearerToken, MALFORMED_BEARER, NO_BEARER } from '@app/web';
import { InvalidClientMetadataError, InvalidTokenError, MissingTokenError } from '../common/oauth-errors';
import { digest, newSecret, secretMatches } from '../common/secrets';
import type { JsonWebKeySet, OAuthClientEntity } from '../entities/oauth-client.entity';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../ports/scope-registry';
import { ClientRepository } from '../repositories/client.repository';
import { redirectUrisDigest } from '../repositories/consent.repository';
import { RevocationListener } from '../verification/revocation-listener';
import { notifyRevocation } from '../repositories/sql';
import { validateClientMetadata, type MetadataRules } from './client-metadata';
import { usesSecret } from './client-keys';

export const REGISTRATION_PATH = '/api/oauth/register';

/** RFC 7591 §3.2.1 / RFC 7592 §3 client information response. */
export interface ClientInformationResponse {
  client_id: string;
  client_id_issued_at: number;
  client_secret?: string;
  client_secret_expires_at?: number;
  registration_access_token?: string;
  registration_client_uri?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  response_types: string[];
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  contacts?: string[];
  scope?: string;
  software_id?: string;
  software_version?: string;
  application_type?: string;
  jwks?: JsonWebKeySet;
  jwks_uri?: string;
}

/** Dynamic client registration (RFC 7591) and management (RFC 7592). */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clients: ClientRepository,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    @Inject(SCOPE_REGISTRY) private readonly scopes: ScopeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * RFC 7591 §3 registration; `administrator` (the admin API) may register machine clients
   * (client_credentials), which get no registration access token: administrators manage them.
   */
  async register(
    body: unknown,
    ip: string,
    administrator?: { userId: string },
  ): Promise<ClientInformationResponse> {
    const metadata = validateClientMetadata(body, this.scopes, this.rules(administrator ? 'admin' : 'dcr'));
    const clientId = `mcpc_${randomBytes(16).toString('base64url')}`;
    // AS-REG-10: a secret only for confidential clients; shown once, stored as a digest.
    const clientSecret = usesSecret(metadata.tokenEndpointAuthMethod) ? newSecret('clientSecret') : undefined;
    const registrationAccessToken = administrator ? undefined : newSecret('registrationAccessToken');
    // One transaction: a failure leaves neither the client nor its audit event behind.
    const client = await inTransaction(this.dataSource, async (manager) => {
      const created = await this.clients.insert(
        clientId,
        metadata,
        {
          clientSecretHash: clientSecret ? digest(clientSecret) : null,
          registrationTokenHash: registrationAccessToken ? digest(registrationAccessToken) : null,
        },
        manager,
        administrator ? 'admin' : 'dcr',
      );
      await this.audit.record(
        {
          type: 'client.registered',
          clientId,
          userId: administrator?.userId ?? null,
          ip,
          detail: {
            tokenEndpointAuthMethod: metadata.tokenEndpointAuthMethod,
            redirectUriCount: metadata.redirectUris.length,
          },
        },
        manager,
      );
      return created;
    });
    return this.toResponse(client, { clientSecret, registrationAccessToken });
  }

  /** RFC 7592 §2.1 read. The registration access token is rotated: only its digest is stored. */
  async read(clientId: string, authorization: string | undefined): Promise<ClientInformationResponse> {
    const client = await this.authorize(clientId, authorization);
    const registrationAccessToken = await this.rotateRegistrationToken(client.clientId);
    return this.toResponse(client, { registrationAccessToken });
  }

  /** RFC 7592 §2.2 update: the body replaces the metadata. */
  async update(
    clientId: string,
    authorization: string | undefined,
    body: unknown,
    ip: string,
  ): Promise<ClientInformationResponse> {
    const client = await this.authorize(clientId, authorization);
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (input.client_id !== client.clientId) {
      throw new InvalidClientMetadataError('client_id in the body must equal the client being updated');
    }
    if (input.client_secret !== undefined) {
      if (
        typeof input.client_secret !== 'string' ||
        !secretMatches(input.client_secret, client.clientSecretHash)
      ) {
        throw new InvalidClientMetadataError('client_secret does not match the current secret');
      }
    }
    const metadata = validateClientMetadata(body, this.scopes, this.rules('dcr'));
    // RFC 7592 §2.2: a client_secret in the body must match the current one. Leaving a secret-based
    // method (to `none`) requires it: the registration access token alone must not turn off the
    // client authentication that protects every code and refresh token already issued to it.
    // Moving to private_key_jwt likewise: new keys would authenticate as the client.
    if (
      usesSecret(client.tokenEndpointAuthMethod) &&
      !usesSecret(metadata.tokenEndpointAuthMethod) &&
      input.client_secret === undefined
    ) {
      throw new InvalidClientMetadataError(
        `Changing token_endpoint_auth_method to ${metadata.tokenEndpointAuthMethod} requires the current client_secret in the request`,
      );
    }
    let clientSecret: string | undefined;
    let secretHash: Buffer | null | undefined;
    if (!usesSecret(metadata.tokenEndpointAuthMethod)) secretHash = null;
    else if (!client.clientSecretHash) {
      clientSecret = newSecret('clientSecret');
      secretHash = digest(clientSecret);
    }
    const registrationAccessToken = newSecret('registrationAccessToken');
    const updated = await inTransaction(this.dataSource, async (manager) => {
      await this.clients.replaceMetadata(client.clientId, metadata, secretHash, manager);
      await manager.query(`UPDATE oauth_clients SET registration_token_hash = $2 WHERE client_id = $1`, [
        client.clientId,
        digest(registrationAccessToken),
      ]);
      await this.audit.record(
        {
          type: 'client.updated',
          clientId: client.clientId,
          ip,
          detail: {
            // Earlier consents stop covering the client when its redirect URI set changes.
            redirectUrisChanged: !redirectUrisDigest(client.redirectUris).equals(
              redirectUrisDigest(metadata.redirectUris),
            ),
            tokenEndpointAuthMethod: metadata.tokenEndpointAuthMethod,
          },
        },
        manager,
      );
      // Every replica's client cache forgets the old metadata and secret at commit.
      await notifyRevocation(manager, { kind: 'client', id: client.clientId });
      return (await this.clients.find(client.clientId, manager))!;
    });
    this.listener.deliverLocally({ kind: 'client', id: client.clientId });
    return this.toResponse(updated, { clientSecret, registrationAccessToken });
  }

  /** RFC 7592 §2.3 delete: the client, its grants, codes and tokens are gone (every replica is told). */
  async delete(clientId: string, authorization: string | undefined, ip: string): Promise<void> {
    const client = await this.authorize(clientId, authorization);
    await inTransaction(this.dataSource, async (manager) => {
      await this.clients.delete(client.clientId, manager);
      await this.audit.record({ type: 'client.deleted', clientId: client.clientId, ip, detail: {} }, manager);
    });
    this.listener.deliverLocally({ kind: 'client', id: client.clientId });
  }

  /** RFC 7592 §2: Bearer registration access token; a bad token or unknown client is 401 either way. */
  private async authorize(clientId: string, authorization: string | undefined): Promise<OAuthClientEntity> {
    const presented = bearerToken(authorization);
    if (presented === NO_BEARER) throw new MissingTokenError('A registration access token is required');
    if (presented === MALFORMED_BEARER) {
      throw new InvalidTokenError('The registration access token is malformed');
    }
    // RFC 7592 §2: an id no client can have (too long, control characters, spaces, NUL) is answered like
    // an unknown one, without a query.
    const possible = clientId.length <= 64 && isVisibleAscii(clientId);
    const client = possible ? await this.clients.findWithSecrets(clientId) : null;
    if (!client || !secretMatches(presented, client.registrationTokenHash)) {
      throw new InvalidTokenError('The registration access token is invalid');
    }
    return client;
  }

  private async rotateRegistrationToken(clientId: string): Promise<string> {
    const token = newSecret('registrationAccessToken');
    await this.dataSource.query(
      `UPDATE oauth_clients SET registration_token_hash = $2 WHERE client_id = $1`,
      [clientId, digest(token)],
    );
    return token;
  }

  private rules(via: 'dcr' | 'admin'): MetadataRules {
    return {
      via,
      clientCredentials: this.config.clientCredentialsGrant,
      allowInsecureLocalhost: this.config.cimd.allowInsecureLocalhost,
    };
  }

  private toResponse(
    client: OAuthClientEntity,
    secrets: { clientSecret?: string; registrationAccessToken?: string },
  ): ClientInformationResponse {
    const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
    const confidential = usesSecret(client.tokenEndpointAuthMethod);
    return {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      client_secret: secrets.clientSecret,
      client_secret_expires_at: confidential
        ? client.clientSecretExpiresAt
          ? Math.floor(client.clientSecretExpiresAt.getTime() / 1000)
          : 0
        : undefined,
      registration_access_token: secrets.registrationAccessToken,
      registration_client_uri: secrets.registrationAccessToken
        ? `${this.config.publicUrl}${REGISTRATION_PATH}/${encodeURIComponent(client.clientId)}`
        : undefined,
      redirect_uris: client.redirectUris,
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      grant_types: client.grantTypes,
      response_types: client.responseTypes,
      client_name: optional(client.clientName),
      client_uri: optional(client.clientUri),
      logo_uri: optional(client.logoUri),
      tos_uri: optional(client.tosUri),
      policy_uri: optional(client.policyUri),
      contacts: client.contacts.length > 0 ? client.contacts : undefined,
      scope: optional(client.scope),
      software_id: optional(client.softwareId),
      software_version: optional(client.softwareVersion),
      application_type: optional(client.applicationType),
      jwks: optional(client.jwks),
      jwks_uri: optional(client.jwksUri),
    };
  }
}
