import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JSONWebKeySet } from 'jose';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { cacheLifetimeSeconds, CimdFetchError, fetchClientDocument } from '../cimd/document-fetcher';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { ClientAssertionError } from './client-assertion';
import { jwksProblem } from './client-keys';

/** A key set is at most this large (a few RSA keys fit easily). */
const MAX_JWKS_BYTES = 16 * 1024;
/** A set that lacks the assertion's key is fetched again at most this often per URL. */
const REFETCH_AFTER_MS = 60_000;
const MAX_CACHED_URLS = 1_000;

interface CachedKeys {
  readonly keys: JSONWebKeySet;
  readonly fetchedAt: number;
  readonly until: number;
}

/** Fetches a jwks_uri; a test may replace it (the integration test drives the real one). */
export type JwksFetch = (
  url: string,
  allowInsecureLocalhost: boolean,
) => Promise<{ body: unknown; cacheControl?: string }>;

export const fetchJwksDocument: JwksFetch = (url, allowInsecureLocalhost) =>
  fetchClientDocument(url, { allowInsecureLocalhost, maxBytes: MAX_JWKS_BYTES });

/**
 * The public keys a private_key_jwt client signs with (RFC 7523 §2.2, RFC 7591 §2): its registered
 * `jwks`, or its `jwks_uri` fetched across the same SSRF boundary as metadata documents (EXT-CC-07, SEC-04: https,
 * public addresses only, resolved once, no redirects, size and time caps) and kept per replica for the
 * document's Cache-Control lifetime within [5 min, 24 h]. Keys are public, so a per-replica copy is a
 * cache, not state (LB-06 holds: nothing is lost with a replica).
 */
@Injectable()
export class ClientKeySource {
  private readonly logger = new Logger(ClientKeySource.name);
  private readonly cache = new Map<string, CachedKeys>();
  private fetchJwks: JwksFetch = fetchJwksDocument;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** For tests: another fetcher (e.g. one that counts calls). */
  useFetcher(fetcher: JwksFetch): void {
    this.fetchJwks = fetcher;
    this.cache.clear();
  }

  /** The client's keys; `stale` asks to refetch a jwks_uri (the assertion's key was not in the set). */
  async keysOf(client: OAuthClientEntity, stale = false): Promise<JSONWebKeySet> {
    if (client.jwks) return client.jwks;
    if (!client.jwksUri) {
      throw new ClientAssertionError('This client has no registered keys (jwks or jwks_uri)', 'no keys');
    }
    const url = client.jwksUri;
    const cached = this.cache.get(url);
    const now = Date.now();
    if (cached && cached.until > now && !(stale && now - cached.fetchedAt >= REFETCH_AFTER_MS)) {
      return cached.keys;
    }
    return this.fetch(url, client.clientId);
  }

  /** Whether a refetch could find a key the cached set lacks (a jwks_uri fetched over a minute ago). */
  mayRefetch(client: OAuthClientEntity): boolean {
    if (!client.jwksUri) return false;
    const cached = this.cache.get(client.jwksUri);
    return !cached || Date.now() - cached.fetchedAt >= REFETCH_AFTER_MS;
  }

  private async fetch(url: string, clientId: string): Promise<JSONWebKeySet> {
    let fetched: { body: unknown; cacheControl?: string };
    try {
      fetched = await this.fetchJwks(url, this.config.cimd.allowInsecureLocalhost);
    } catch (thrown) {
      const reason = thrown instanceof CimdFetchError ? `${thrown.reason}: ${thrown.message}` : 'unexpected';
      // The address class, DNS or upstream status go to the log only: shown to the caller they would make
      // the token endpoint a probe of the network.
      this.logger.warn(`jwks_uri of client ${clientId.slice(0, 200)} not fetched (${reason})`);
      throw new ClientAssertionError(
        "The client's jwks_uri could not be retrieved; it must be served over https from a public address",
        `jwks_uri ${reason}`,
      );
    }
    const problem = jwksProblem(fetched.body);
    if (problem) {
      throw new ClientAssertionError(`The key set at the client's jwks_uri ${problem}`, 'jwks_uri invalid');
    }
    const now = Date.now();
    const keys = fetched.body as JSONWebKeySet;
    if (this.cache.size >= MAX_CACHED_URLS) this.cache.clear();
    this.cache.set(url, {
      keys,
      fetchedAt: now,
      until: now + cacheLifetimeSeconds(fetched.cacheControl) * 1000,
    });
    return keys;
  }
}
