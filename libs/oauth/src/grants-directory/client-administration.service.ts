import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { inTransaction } from '@app/persistence';
import { idpName } from '../enterprise/idp-name';
import { RevocationListener } from '../verification/revocation-listener';
import { RegistrationService, type ClientInformationResponse } from '../clients/registration.service';
import { OAuthError } from '../common/oauth-errors';
import { GrantsDirectoryRepository, type ClientRow } from './grants-directory.repository';

export interface ClientSummary {
  clientId: string;
  clientName: string | null;
  /** 'dcr' = self-registered (RFC 7591), 'admin' = created by an operator. */
  registeredVia: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  disabledAt: Date | null;
  /** Public clients (`none`) get the one-click "Continue" page unless rememberConsent is on. */
  tokenEndpointAuthMethod: string;
  /** An administrator let a remembered consent skip that page (administrator-registered clients only). */
  rememberConsent: boolean;
  activeGrants: number;
  /** The company IdPs (by name) whose ID-JAGs made some of its active grants (EXT-EMA-08). */
  grantedBy: string[];
  /** Only never-used self-registered clients may be deleted. */
  deletable: boolean;
}

export type DeleteOutcome = 'deleted' | 'not_deletable';

/** An administrator's registration: the RFC 7591 §3.2.1 response, or its §3.2.2 error. */
export type AdminRegistration =
  | { readonly ok: true; readonly client: ClientInformationResponse }
  | { readonly ok: false; readonly error: string; readonly description: string };

/** What administrators may do with clients. Callers check that the actor is an admin. */
@Injectable()
export class ClientAdministration {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: GrantsDirectoryRepository,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    private readonly registration: RegistrationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Registers a client on an administrator's behalf (RFC 7591 metadata): the one way to create a
   * machine client (client_credentials), which the MCP client-credentials extension has registered out
   * of band. The secret, if any, is in this answer only.
   */
  async register(body: unknown, actorUserId: string, ip: string | null): Promise<AdminRegistration> {
    try {
      const client = await this.registration.register(body, ip ?? 'unknown', { userId: actorUserId });
      return { ok: true, client };
    } catch (thrown) {
      if (thrown instanceof OAuthError)
        return { ok: false, error: thrown.error, description: thrown.description };
      throw thrown;
    }
  }

  async list(): Promise<ClientSummary[]> {
    return (await this.repo.listClients()).map((row) => this.toDto(row));
  }

  /**
   * Disables the client: every grant and token on it is revoked (every replica's cache forgets it at
   * commit via NOTIFY), its consents are forgotten, and authorize/token treat it as unknown. Returns
   * false when it is unknown or already disabled.
   */
  async disable(clientId: string, actorUserId: string, ip: string | null): Promise<boolean> {
    const revoked = await inTransaction(this.dataSource, async (manager) => {
      const grants = await this.repo.disableClient(manager, clientId);
      if (grants === null) return null;
      await this.audit.record(
        { type: 'client.disabled', userId: actorUserId, clientId, ip, detail: { grantsRevoked: grants } },
        manager,
      );
      return grants;
    });
    if (revoked === null) return false;
    this.listener.deliverLocally({ kind: 'client', id: clientId });
    return true;
  }

  /** Enables the client again; its consents are forgotten, so people must approve it anew. */
  async enable(clientId: string, actorUserId: string, ip: string | null): Promise<boolean> {
    return inTransaction(this.dataSource, async (manager) => {
      if (!(await this.repo.enableClient(manager, clientId))) return false;
      await this.audit.record({ type: 'client.enabled', userId: actorUserId, clientId, ip }, manager);
      return true;
    });
  }

  /**
   * RFC 8252 §8.6: whether a remembered consent may skip the one-click "Continue" page of a public
   * client. Only for clients an administrator registered; false when it does not apply or is unchanged.
   */
  async setRememberConsent(
    clientId: string,
    remember: boolean,
    actorUserId: string | null,
    ip: string | null,
  ): Promise<boolean> {
    const changed = await inTransaction(this.dataSource, async (manager) => {
      if (!(await this.repo.setRememberConsent(manager, clientId, remember))) return false;
      await this.audit.record(
        { type: 'client.remember_consent', userId: actorUserId, clientId, ip, detail: { remember } },
        manager,
      );
      return true;
    });
    if (changed) this.listener.deliverLocally({ kind: 'client', id: clientId });
    return changed;
  }

  async delete(clientId: string, actorUserId: string, ip: string | null): Promise<DeleteOutcome> {
    const outcome = await inTransaction(this.dataSource, async (manager) => {
      if (!(await this.repo.deleteUnusedSelfRegistered(manager, clientId))) return 'not_deletable';
      await this.audit.record({ type: 'client.deleted', userId: actorUserId, clientId, ip }, manager);
      return 'deleted';
    });
    if (outcome === 'deleted') this.listener.deliverLocally({ kind: 'client', id: clientId });
    return outcome;
  }

  private toDto(row: ClientRow): ClientSummary {
    return {
      clientId: row.clientId,
      clientName: row.clientName,
      registeredVia: row.createdVia,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
      disabledAt: row.disabledAt,
      tokenEndpointAuthMethod: row.tokenEndpointAuthMethod,
      rememberConsent: row.rememberConsent,
      activeGrants: row.activeGrants,
      grantedBy: row.grantedByIssuers.map((issuer) => idpName(issuer, this.config)),
      deletable: row.createdVia === 'dcr' && !row.everUsed,
    };
  }
}
