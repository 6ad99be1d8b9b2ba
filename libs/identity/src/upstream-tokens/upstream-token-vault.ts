import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ToolError, UpstreamRequirements, type UpstreamApi, type UpstreamTokenPort } from '@app/mcp';
import { TokenCipher, type SealContext } from './token-cipher';
import { howToConfigure, upstreamEndpoints, type UpstreamEndpoint } from './upstream-endpoints';
import { refreshUpstreamToken, type UpstreamTokenSet } from './upstream-refresh';
import { UpstreamTokenRepository } from './upstream-token.repository';

/** Why a token could not be produced, decided inside the lock and acted on after it. */
type Lookup =
  { readonly token: string } | { readonly gone: 'revoked' | 'missing' } | { readonly failed: string };

/**
 * Holds the people's upstream tokens for the tools that act on their accounts (UP-11): stores them
 * sealed at sign-in (UP-12), hands a tool a `fetch` bound to the caller (never the token itself),
 * refreshes an expired token once for all replicas (UP-13) and, when the provider revoked access,
 * forgets the token and tells the person to sign in again (UP-14). Implements mcp's UPSTREAM_TOKEN_PORT.
 */
@Injectable()
export class UpstreamTokenVault implements UpstreamTokenPort {
  private readonly logger = new Logger('UpstreamTokens');
  private readonly endpoints: ReadonlyMap<string, UpstreamEndpoint>;
  /** Undefined in production without UPSTREAM_TOKEN_KEY: the boot then fails if a tool needs tokens. */
  private readonly cipher: TokenCipher | undefined;
  /** Callers on this replica waiting for the same refresh share one promise (the row lock covers replicas). */
  private readonly inflight = new Map<string, Promise<Lookup>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly requirements: UpstreamRequirements,
    private readonly tokens: UpstreamTokenRepository,
  ) {
    this.endpoints = upstreamEndpoints(config);
    const { current, previous } = config.upstreamTokenKeys;
    const key = current
      ? Buffer.from(current, 'hex')
      : config.isProduction
        ? undefined
        : TokenCipher.derivedKey(config.sessionSecret);
    this.cipher = key
      ? new TokenCipher(
          key,
          previous.map((k) => Buffer.from(k, 'hex')),
        )
      : undefined;
  }

  unavailable(provider: string): string | null {
    if (!this.endpoints.has(provider))
      return `the ${provider} sign-in is not configured (${howToConfigure(provider)})`;
    if (!this.cipher) {
      return 'UPSTREAM_TOKEN_KEY is required when NODE_ENV=production and a tool uses upstream tokens; generate one with `openssl rand -base64 32`';
    }
    return null;
  }

  /** Whether sign-ins with `provider` keep their tokens: only when a tool needs them (UP-09). */
  keeps(provider: string): boolean {
    return this.requirements.providers().includes(provider) && this.unavailable(provider) === null;
  }

  /** At sign-in, inside its transaction: replaces the person's tokens for this provider. */
  async store(
    manager: EntityManager,
    userId: string,
    provider: string,
    set: UpstreamTokenSet,
  ): Promise<void> {
    if (!this.keeps(provider)) return;
    await this.tokens.save(manager, userId, provider, this.sealSet(userId, provider, set));
  }

  apiFor(userId: string, provider: string): UpstreamApi {
    const endpoint = this.endpoints.get(provider);
    if (!endpoint || !this.cipher) throw new Error(`upstream provider ${provider} is not available`);
    const call = (token: string, path: string, init: RequestInit | undefined) => {
      const headers = new Headers(init?.headers);
      for (const [name, value] of Object.entries(endpoint.defaultHeaders)) {
        if (!headers.has(name)) headers.set(name, value);
      }
      headers.set('authorization', `Bearer ${token}`);
      return fetch(`${endpoint.apiBaseUrl}${path}`, {
        ...init,
        headers,
        signal: init?.signal ?? AbortSignal.timeout(30_000),
      });
    };
    return {
      provider,
      baseUrl: endpoint.apiBaseUrl,
      fetch: async (path, init) => {
        // Only paths under the API base: the person's token never goes to another host.
        if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
          throw new Error(
            `upstream ${provider}: fetch takes a path starting with "/", got ${JSON.stringify(path)}`,
          );
        }
        const token = await this.accessToken(userId, endpoint);
        const res = await call(token, path, init);
        if (res.status !== 401) return res;
        // Expired early or revoked: one refresh (another caller may already have done it), one retry.
        await res.body?.cancel();
        const again = await this.refreshed(userId, endpoint, token);
        const retry = await call(again, path, init);
        if (retry.status !== 401) return retry;
        await retry.body?.cancel();
        await this.tokens.delete(userId, provider);
        this.logger.log(`${provider} refused the stored token of user ${userId}; removed`);
        throw this.signInAgain(endpoint);
      },
    };
  }

  /** A usable access token: the stored one while fresh, else a refreshed one. */
  private async accessToken(userId: string, endpoint: UpstreamEndpoint): Promise<string> {
    const row = await this.tokens.find(userId, endpoint.provider);
    if (!row) throw this.notConnected(endpoint);
    if (row.fresh) {
      const token = this.open(row.accessToken, userId, endpoint.provider, 'access');
      if (token !== null) {
        const context = { userId, provider: endpoint.provider, field: 'access' } as const;
        if (this.requireCipher().needsReseal(row.accessToken, context)) {
          this.reseal(userId, endpoint.provider).catch((error: unknown) =>
            this.logger.warn(`re-sealing a ${endpoint.provider} token failed: ${(error as Error).name}`),
          );
        }
        return token;
      }
    }
    return this.refreshed(userId, endpoint, null);
  }

  /** UP-13: single flight per person and provider, on this replica (a promise) and across replicas (the row lock). */
  private async refreshed(userId: string, endpoint: UpstreamEndpoint, stale: string | null): Promise<string> {
    const key = `${userId}\n${endpoint.provider}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.refreshLocked(userId, endpoint, stale).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const outcome = await pending;
    if ('token' in outcome) return outcome.token;
    if ('failed' in outcome) {
      this.logger.warn(`${endpoint.provider} refresh failed for user ${userId}: ${outcome.failed}`);
      throw new ToolError(`${endpoint.displayName} did not answer; try again in a moment`);
    }
    if (outcome.gone === 'missing') throw this.notConnected(endpoint);
    throw this.signInAgain(endpoint);
  }

  private refreshLocked(userId: string, endpoint: UpstreamEndpoint, stale: string | null): Promise<Lookup> {
    const { provider } = endpoint;
    return this.tokens.withLock(userId, provider, async (row, manager): Promise<Lookup> => {
      if (!row) return { gone: 'missing' };
      const current = this.open(row.accessToken, userId, provider, 'access');
      // Another caller (any replica) refreshed while this one waited for the lock: use its result.
      if (row.fresh && current !== null && current !== stale) return { token: current };
      const refreshToken = row.refreshToken ? this.open(row.refreshToken, userId, provider, 'refresh') : null;
      if (refreshToken === null) return this.forget(manager, userId, provider, 'no usable refresh token');
      const outcome = await refreshUpstreamToken(endpoint, refreshToken);
      if (outcome.kind === 'failed') return { failed: outcome.detail };
      if (outcome.kind === 'revoked')
        return this.forget(manager, userId, provider, 'refresh refused (invalid_grant)');
      await this.tokens.save(manager, userId, provider, this.sealSet(userId, provider, outcome.tokens), true);
      this.logger.log(`${provider} token of user ${userId} refreshed`);
      return { token: outcome.tokens.accessToken };
    });
  }

  /** Key rollover: a row still sealed under UPSTREAM_TOKEN_KEY_PREVIOUS is sealed again under the current key. */
  private async reseal(userId: string, provider: string): Promise<void> {
    const cipher = this.requireCipher();
    await this.tokens.withLock(userId, provider, async (row, manager) => {
      if (!row) return;
      const access = cipher.open(row.accessToken, { userId, provider, field: 'access' });
      const refresh = row.refreshToken
        ? cipher.open(row.refreshToken, { userId, provider, field: 'refresh' })
        : null;
      if (access === null) return;
      await this.tokens.replaceSealed(
        manager,
        userId,
        provider,
        cipher.seal(access, { userId, provider, field: 'access' }),
        refresh === null ? null : cipher.seal(refresh, { userId, provider, field: 'refresh' }),
      );
    });
  }

  private async forget(
    manager: EntityManager,
    userId: string,
    provider: string,
    why: string,
  ): Promise<Lookup> {
    await this.tokens.delete(userId, provider, manager);
    this.logger.log(`${provider} token of user ${userId} removed: ${why}`);
    return { gone: 'revoked' };
  }

  private sealSet(userId: string, provider: string, set: UpstreamTokenSet) {
    const cipher = this.requireCipher();
    return {
      accessToken: cipher.seal(set.accessToken, { userId, provider, field: 'access' }),
      refreshToken: set.refreshToken
        ? cipher.seal(set.refreshToken, { userId, provider, field: 'refresh' })
        : null,
      expiresIn: set.expiresIn,
      refreshExpiresIn: set.refreshToken ? set.refreshExpiresIn : null,
      scopes: set.scopes,
    };
  }

  /** Null when no key opens it (tampered, or sealed under a key no longer configured). */
  private open(sealed: Buffer, userId: string, provider: string, field: SealContext['field']): string | null {
    return this.requireCipher().open(sealed, { userId, provider, field });
  }

  private requireCipher(): TokenCipher {
    if (!this.cipher) throw new Error('no UPSTREAM_TOKEN_KEY');
    return this.cipher;
  }

  private reconnectUrl(endpoint: UpstreamEndpoint): string {
    return `${this.config.publicUrl}/auth/${endpoint.provider}?return_to=${encodeURIComponent('/account')}`;
  }

  /** UP-14: what the person can act on, as the tool's error result. */
  private signInAgain(endpoint: UpstreamEndpoint): ToolError {
    return new ToolError(
      `${endpoint.displayName} no longer accepts this server's access to your account. Sign in to ${endpoint.displayName} again to reconnect it: ${this.reconnectUrl(endpoint)}`,
    );
  }

  private notConnected(endpoint: UpstreamEndpoint): ToolError {
    return new ToolError(
      `Your ${endpoint.displayName} account is not connected. Sign in to ${endpoint.displayName} to connect it: ${this.reconnectUrl(endpoint)}`,
    );
  }
}
