import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { inTransaction } from '@app/persistence';
import { isAllowedPublisher } from '../cimd/trust-policy';
import { idpName } from '../enterprise/idp-name';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../ports/scope-registry';
import { GrantRepository } from '../repositories/grant.repository';
import { RevocationListener } from '../verification/revocation-listener';
import { GrantsDirectoryRepository, type ActiveGrantRow } from './grants-directory.repository';

/** What the account page shows for one grant ("Connected apps"). */
export interface ConnectedApp {
  grantId: string;
  clientId: string;
  clientName: string;
  /**
   * Nobody checked its name, shown as "not verified" (as on the consent page): self-registered (RFC 7591),
   * or a URL client whose document host is not in CIMD_ALLOWED_HOSTS (AS-REG-06).
   */
  selfRegistered: boolean;
  /** A URL client: the host that publishes its metadata document, and the client_id URL itself. */
  documentHost: string | null;
  documentUrl: string | null;
  /** Hosts the client's redirect URIs point at (where answers go). */
  redirectHosts: string[];
  scopes: { name: string; description: string }[];
  grantedAt: Date;
  lastUsedAt: Date | null;
  /** The company IdP that granted it through an ID-JAG (its name for pages), or null: approved here. */
  grantedBy: { issuer: string; name: string } | null;
}

function urlOrNull(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

function hostOf(uri: string): string | null {
  try {
    return new URL(uri).host || new URL(uri).protocol.replace(/:$/, '');
  } catch {
    return null;
  }
}

/** A person's own grants — list them and take one back. */
@Injectable()
export class GrantsDirectory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: GrantsDirectoryRepository,
    private readonly grantRepository: GrantRepository,
    private readonly audit: AuditLog,
    private readonly listener: RevocationListener,
    @Inject(SCOPE_REGISTRY) private readonly scopeRegistry: ScopeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async connectedApps(userId: string): Promise<ConnectedApp[]> {
    const rows = await this.grants.activeGrantsOf(userId);
    return rows.map((row) => this.toDto(row));
  }

  /** Names to show for client ids found in the user's activity. */
  clientNames(clientIds: readonly string[]): Promise<Map<string, string>> {
    return this.grants.clientNames(clientIds);
  }

  /**
   * Revokes one of the user's grants: every code and token on it (RFC 7009 semantics) and the stored
   * consent, audited in the same transaction. The NOTIFY reaches every replica at commit; this
   * replica forgets at once. Returns false when the grant is not the user's or is already revoked.
   */
  async revoke(userId: string, grantId: string, ip: string | null): Promise<boolean> {
    const revoked = await inTransaction(this.dataSource, async (manager) => {
      const grant = await this.grants.lockUserGrant(manager, userId, grantId);
      if (!grant) return null;
      await this.grantRepository.revokeGrant(manager, grantId, 'revoked_by_user');
      await this.grants.deleteConsent(manager, userId, grant.clientId, grant.resource);
      await this.audit.record(
        {
          type: 'grant.revoked',
          userId,
          clientId: grant.clientId,
          grantId,
          ip,
          detail: { reason: 'revoked_by_user', consentDeleted: true },
        },
        manager,
      );
      return grant;
    });
    if (!revoked) return false;
    this.listener.deliverLocally({ kind: 'grant', id: grantId });
    return true;
  }

  private toDto(row: ActiveGrantRow): ConnectedApp {
    const hosts = [...new Set(row.redirectUris.map(hostOf).filter((h): h is string => h !== null))];
    const documentHost = row.documentUrl ? urlOrNull(row.documentUrl) : null;
    return {
      grantId: row.id,
      clientId: row.clientId,
      clientName: row.clientName ?? row.clientId,
      selfRegistered:
        row.createdVia === 'dcr' ||
        (row.createdVia === 'cimd' &&
          !(
            documentHost !== null && isAllowedPublisher(documentHost.hostname, this.config.cimd.allowedHosts)
          )),
      documentHost: documentHost?.host ?? null,
      documentUrl: row.documentUrl,
      redirectHosts: hosts,
      scopes: row.scopes.map((name) => ({
        name,
        description: this.scopeRegistry.get(name)?.description ?? name,
      })),
      grantedAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
      grantedBy: row.grantedByIssuer
        ? { issuer: row.grantedByIssuer, name: idpName(row.grantedByIssuer, this.config) }
        : null,
    };
  }
}
