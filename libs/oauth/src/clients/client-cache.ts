import { Injectable } from '@nestjs/common';
import { OAuthClientEntity } from '../entities/oauth-client.entity';
import { ClientRepository } from '../repositories/client.repository';
import { RevocationListener } from '../verification/revocation-listener';

/** How long a replica trusts a client row it read, even if no change notice arrives. */
export const CLIENT_CACHE_TTL_MS = 30_000;
export const CLIENT_CACHE_MAX_ENTRIES = 5_000;

interface Entry {
  client: OAuthClientEntity;
  cachedAt: number;
}

/**
 * The client rows client authentication reads (with their secret digests), kept per replica
 * so that a token request does not pay a round trip for the client it names every time.
 *
 * Every change to a client that authentication depends on (RFC 7592 update or delete, disable by an
 * administrator, deletion by housekeeping) sends a `client` notice in its transaction; every replica's
 * RevocationListener drops the row at commit. The cache is only used while the listener is connected
 * (it resyncs, i.e. empties this cache, after any gap), a read that raced with a notice is not kept
 * (generation check), and no row is trusted for longer than CLIENT_CACHE_TTL_MS. Unknown and disabled
 * clients are never cached, so a new registration or an enabled client is found at once.
 */
@Injectable()
export class ClientCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(
    private readonly clients: ClientRepository,
    private readonly listener: RevocationListener,
  ) {
    listener.subscribe((notice) => {
      if (notice !== 'resync' && notice.kind !== 'client') return; // grant and token notices: not ours
      this.generation++;
      if (notice === 'resync') this.entries.clear();
      else this.entries.delete(notice.id);
    });
  }

  /** The client with its secret digests, as ClientRepository.findWithSecrets gives it (a fresh copy). */
  async findWithSecrets(clientId: string): Promise<OAuthClientEntity | null> {
    const useCache = this.listener.healthy;
    if (useCache) {
      const hit = this.entries.get(clientId);
      if (hit && performance.now() - hit.cachedAt < CLIENT_CACHE_TTL_MS) return copy(hit.client);
    }
    const generation = this.generation;
    const client = await this.clients.findWithSecrets(clientId);
    if (client && useCache && this.listener.healthy && generation === this.generation) {
      if (this.entries.size >= CLIENT_CACHE_MAX_ENTRIES) this.entries.clear();
      this.entries.set(clientId, { client: copy(client), cachedAt: performance.now() });
    }
    return client;
  }
}

/**
 * Callers may change what they get (client authentication blanks the digests): never the cached row.
 * Arrays, digests (Buffer) and dates are copied too, so that changing one in place (push, sort, fill,
 * setTime) does not reach the row the next request is given.
 */
function copy(client: OAuthClientEntity): OAuthClientEntity {
  const fresh = new OAuthClientEntity() as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(client)) {
    if (Array.isArray(value)) fresh[key] = [...(value as unknown[])];
    else if (Buffer.isBuffer(value)) fresh[key] = Buffer.from(value);
    else if (value instanceof Date) fresh[key] = new Date(value.getTime());
    else fresh[key] = value;
  }
  return fresh as unknown as OAuthClientEntity;
}
