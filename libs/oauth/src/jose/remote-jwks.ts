import { Inject, Injectable, Optional } from '@nestjs/common';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { fetchJson, JsonFetchError, type JsonFetcher } from './json-fetch';

/** Where a key set comes from: an issuer's metadata (its `jwks_uri`) or a `jwks_uri` given directly. */
export type JwksSource = { readonly issuer: string } | { readonly jwksUri: string };

export interface RemoteJwksOptions {
  /** Replaces the JSON fetch (tests; an SSRF-guarded fetcher for URLs a client chose). */
  readonly fetchJson?: JsonFetcher;
  /** How long a fetched key set is used before it is fetched again. */
  readonly maxAgeMs?: number;
  /** The least time between two fetches of one source for an unknown `kid`, so they cannot make us hammer it. */
  readonly cooldownMs?: number;
  /** How many sources are kept; the oldest is dropped beyond it. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export const REMOTE_JWKS_OPTIONS = Symbol('REMOTE_JWKS_OPTIONS');

/** The keys of a source could not be obtained (discovery or the JWKS failed); the detail is for the log. */
export class JwksUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksUnavailableError';
  }
}

interface Entry {
  readonly select: ReturnType<typeof createLocalJWKSet>;
  readonly fetchedAt: number;
}

const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000;
const DEFAULT_COOLDOWN_MS = 30 * 1000;
const DEFAULT_MAX_ENTRIES = 500;

/**
 * Verification keys of remote signers (RFC 7517 key sets), shared by everything that checks a JWT signed
 * elsewhere. An issuer's set is found through its metadata: OpenID Connect Discovery first, then the
 * RFC 8414 §3 path-inserted document, whose `issuer` must equal the issuer exactly (RFC 8414 §3.3).
 * A set is cached for `maxAgeMs`; a `kid` it does not hold triggers one fresh fetch, and such fetches
 * happen at most once per `cooldownMs` per source (key rotation without a restart); concurrent fetches of one source share one
 * request. When a refresh fails, the last good set stays in use.
 */
@Injectable()
export class RemoteJwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly lastKidMiss = new Map<string, number>();
  private readonly fetch: JsonFetcher;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(@Optional() @Inject(REMOTE_JWKS_OPTIONS) options: RemoteJwksOptions | null = null) {
    this.fetch = options?.fetchJson ?? ((url) => fetchJson(url));
    this.maxAgeMs = options?.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.cooldownMs = options?.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.maxEntries = options?.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options?.now ?? Date.now;
  }

  /** A key resolver for jose's `jwtVerify`; it throws JwksUnavailableError or jose's JWKS errors. */
  keyResolver(source: JwksSource): JWTVerifyGetKey {
    return async (header, token) => {
      const key = keyOf(source);
      let entry = this.entries.get(key);
      if (!entry || this.now() - entry.fetchedAt >= this.maxAgeMs) entry = await this.refresh(source, entry);
      try {
        return await entry.select(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        // An unknown kid may be a key the signer has just rotated in; ask again, but not too often.
        const last = this.lastKidMiss.get(key);
        if (last !== undefined && this.now() - last < this.cooldownMs) throw error;
        this.lastKidMiss.set(key, this.now());
        const fresh = await this.refresh(source, entry);
        return fresh.select(header, token);
      }
    };
  }

  /** Forgets every cached set (tests, or a configuration reload). */
  clear(): void {
    this.entries.clear();
    this.lastKidMiss.clear();
  }

  private async refresh(source: JwksSource, stale: Entry | undefined): Promise<Entry> {
    const key = keyOf(source);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.load(source).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    try {
      const entry = await pending;
      this.remember(key, entry);
      return entry;
    } catch (error) {
      if (stale) return stale;
      throw error;
    }
  }

  private remember(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.lastKidMiss.delete(oldest);
    }
  }

  private async load(source: JwksSource): Promise<Entry> {
    const jwksUri = 'jwksUri' in source ? source.jwksUri : await this.discoverJwksUri(source.issuer);
    const body = await this.get(jwksUri, 'key set');
    let select: Entry['select'];
    try {
      select = createLocalJWKSet(body as JSONWebKeySet);
    } catch {
      throw new JwksUnavailableError(`${jwksUri} is not a JSON Web Key Set`);
    }
    return { select, fetchedAt: this.now() };
  }

  private async discoverJwksUri(issuer: string): Promise<string> {
    let lastError: unknown;
    for (const url of metadataUrls(issuer)) {
      let document: unknown;
      try {
        document = await this.get(url, 'metadata');
      } catch (error) {
        lastError = error;
        continue;
      }
      const metadata = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
      if (metadata.issuer !== issuer) {
        throw new JwksUnavailableError(`the metadata at ${url} names another issuer`);
      }
      if (typeof metadata.jwks_uri !== 'string') {
        throw new JwksUnavailableError(`the metadata at ${url} has no jwks_uri`);
      }
      return metadata.jwks_uri;
    }
    throw lastError instanceof JwksUnavailableError
      ? lastError
      : new JwksUnavailableError(`no metadata found for ${issuer}`);
  }

  private async get(url: string, what: string): Promise<unknown> {
    try {
      return await this.fetch(url);
    } catch (error) {
      const detail = error instanceof JsonFetchError ? error.message : 'fetch failed';
      throw new JwksUnavailableError(`the ${what} could not be fetched: ${detail}`);
    }
  }
}

function keyOf(source: JwksSource): string {
  return 'jwksUri' in source ? `jwks ${source.jwksUri}` : `issuer ${source.issuer}`;
}

/** OpenID Connect Discovery 1.0 §4 (appended), then RFC 8414 §3.1 (inserted before the issuer's path). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}
