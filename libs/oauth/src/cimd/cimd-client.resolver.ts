import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../ports/scope-registry';
import { ClientRepository } from '../repositories/client.repository';
import { CimdDocumentRepository } from './cimd-document.repository';
import type { CimdDocumentEntity } from './cimd-document.entity';
import {
  CimdClientError,
  checkUrlClientId,
  internalClientId,
  validateClientDocument,
} from './client-document';
import {
  MAX_CACHE_SECONDS,
  CimdFetchError,
  cacheLifetimeSeconds,
  fetchClientDocument,
} from './document-fetcher';
import { isAllowedPublisher } from './trust-policy';

/**
 * Fetch failures that a cached copy may bridge: the publisher is unreachable or failing (5xx, 429),
 * not saying something new (a 404, a redirect or a changed document is never papered over).
 */
function isTransient(error: CimdFetchError): boolean {
  if (error.reason === 'http_status') return error.status === 429 || (error.status ?? 0) >= 500;
  return error.reason === 'timeout' || error.reason === 'network' || error.reason === 'dns_failed';
}

/** What the consent page shows about a URL client (AS-REG-06). */
export interface UrlClientInfo {
  readonly url: string;
  readonly documentHost: string;
  /** The document's host is in CIMD_ALLOWED_HOSTS. */
  readonly verified: boolean;
  readonly redirectUrisChangedAt: Date;
}

/** The one message a browser or client sees when the document cannot be fetched, whatever the reason. */
export const CIMD_FETCH_FAILED =
  'The client metadata document could not be retrieved; the application must publish it at its client_id URL over https';

/**
 * Resolves a URL client_id (Client ID Metadata Document, AS-REG-04) to the client row that stands
 * for it: from the PostgreSQL cache while it is fresh, otherwise by fetching the document.
 */
@Injectable()
export class CimdClientResolver {
  private readonly logger = new Logger(CimdClientResolver.name);

  constructor(
    private readonly documents: CimdDocumentRepository,
    private readonly clients: ClientRepository,
    private readonly audit: AuditLog,
    @Inject(SCOPE_REGISTRY) private readonly scopes: ScopeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Throws CimdClientError with a description safe to show; the caller picks the RFC error. */
  async resolve(clientIdUrl: string, ip: string | null): Promise<OAuthClientEntity> {
    const allowInsecure = this.config.cimd.allowInsecureLocalhost;
    checkUrlClientId(clientIdUrl, allowInsecure);
    const internalId = internalClientId(clientIdUrl);
    const cached = await this.documents.findByUrl(clientIdUrl);
    if (cached && cached.expiresAt.getTime() > Date.now()) return this.clientRow(cached.clientId);

    try {
      const fetched = await fetchClientDocument(clientIdUrl, { allowInsecureLocalhost: allowInsecure });
      const metadata = validateClientDocument(clientIdUrl, fetched.body, this.scopes, allowInsecure);
      const lifetime = cacheLifetimeSeconds(fetched.cacheControl);
      await this.documents.store(
        clientIdUrl,
        internalId,
        metadata,
        fetched.body as Record<string, unknown>,
        lifetime,
      );
      await this.record(internalId, clientIdUrl, ip, {
        outcome: cached ? 'refreshed' : 'fetched',
        cacheSeconds: lifetime,
      });
      return await this.clientRow(internalId);
    } catch (thrown) {
      if (thrown instanceof CimdFetchError) {
        // A cached copy younger than the longest allowed lifetime bridges an unreachable publisher.
        const usable =
          cached && isTransient(thrown) && Date.now() - cached.fetchedAt.getTime() < MAX_CACHE_SECONDS * 1000;
        // The details (address class, DNS, upstream status) go to the audit event and the log only:
        // shown to whoever sent the request they would make this endpoint a probe of the network.
        await this.record(internalId, clientIdUrl, ip, {
          outcome: thrown.reason,
          usedCache: Boolean(usable),
          message: thrown.message,
        });
        if (usable) return this.clientRow(cached.clientId);
        throw new CimdClientError(CIMD_FETCH_FAILED, thrown.reason);
      }
      if (thrown instanceof CimdClientError) {
        await this.record(internalId, clientIdUrl, ip, { outcome: thrown.outcome, usedCache: false });
      }
      throw thrown;
    }
  }

  /** For the consent page and the consent rule: the document behind an internal client id. */
  async describe(clientId: string): Promise<UrlClientInfo | null> {
    const row = await this.documents.findByClientId(clientId);
    return row ? this.info(row) : null;
  }

  private info(row: CimdDocumentEntity): UrlClientInfo {
    const host = new URL(row.url).host;
    return {
      url: row.url,
      documentHost: host,
      verified: isAllowedPublisher(new URL(row.url).hostname, this.config.cimd.allowedHosts),
      redirectUrisChangedAt: row.redirectUrisChangedAt,
    };
  }

  private async clientRow(clientId: string): Promise<OAuthClientEntity> {
    const client = await this.clients.find(clientId);
    if (!client || client.createdVia !== 'cimd') {
      throw new CimdClientError('The client is not available on this server', 'client_unavailable');
    }
    // An administrator may disable a URL client like any other.
    if (client.disabledAt) {
      throw new CimdClientError(
        'This application has been disabled by the administrator of this server',
        'client_disabled',
      );
    }
    return client;
  }

  /** One audit event per fetch outcome (cache hits fetch nothing and write nothing). */
  private async record(
    clientId: string,
    url: string,
    ip: string | null,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const why = typeof detail.message === 'string' ? ` (${detail.message})` : '';
    this.logger.log(`client metadata document ${url.slice(0, 200)}: ${String(detail.outcome)}${why}`);
    await this.audit.record({ type: 'cimd.fetch', clientId, ip, detail: { url, ...detail } });
  }
}
