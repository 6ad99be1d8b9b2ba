import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { inTransaction } from '@app/persistence';
import { authorizationResponseUrl } from '../common/oauth-error.filters';
import {
  ConsentRequiredError,
  InvalidRequestError,
  LoginRequiredError,
  ServerError,
  UnknownClientError,
  toWireError,
} from '../common/oauth-errors';
import { paramReader } from '../common/params';
import { scopesCovered } from '../common/scopes';
import { constantTimeEqual, digest, hmac, newSecret } from '../common/secrets';
import { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from '../grants-directory/scope-grant-policy';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../ports/scope-registry';
import {
  SIGNED_IN_USER_RESOLVER,
  type SignedInUser,
  type SignedInUserResolver,
} from '../ports/signed-in-user';
import {
  AuthorizationRequestRepository,
  type StoredAuthorizationRequest,
} from '../repositories/authorization-request.repository';
import { ClientRepository } from '../repositories/client.repository';
import { ConsentRepository } from '../repositories/consent.repository';
import { TokenRepository } from '../repositories/token.repository';
import type { AuthorizeContext, AuthorizeDependencies, ValidatedAuthorization } from './authorize-context';
import { AUTHORIZE_CHECKS } from './checks';
import { isLoopbackHost } from '../clients/redirect-uri';
import { CimdClientResolver } from '../cimd/cimd-client.resolver';
import { CimdClientError } from '../cimd/client-document';

export const CONTINUE_PATH = '/oauth/authorize/continue';
export const DECISION_PATH = '/oauth/authorize/decision';

/** What the controller does next. */
export type AuthorizeOutcome =
  { kind: 'redirect'; location: string } | { kind: 'consent'; page: ConsentPage };

export interface ConsentPage {
  clientName: string;
  clientId: string;
  clientUri: string | null;
  logoUri: string | null;
  unverified: boolean;
  /** AS-REG-06: for a URL client, the host its metadata document was fetched from (always shown). */
  documentHost: string | null;
  redirectHost: string;
  loopbackRedirect: boolean;
  scopes: { name: string; description: string }[];
  userName: string;
  userEmail: string | null;
  requestId: string;
  csrfToken: string;
  decisionPath: string;
}

/** The authorization endpoint's rules: checks, sign-in, consent, code issuance (RFC 6749 §4.1). */
@Injectable()
export class AuthorizeService {
  private readonly deps: AuthorizeDependencies;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clients: ClientRepository,
    private readonly requests: AuthorizationRequestRepository,
    private readonly consents: ConsentRepository,
    private readonly tokens: TokenRepository,
    private readonly audit: AuditLog,
    @Inject(SCOPE_REGISTRY) private readonly scopes: ScopeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly urlClients: CimdClientResolver,
    @Optional() @Inject(SIGNED_IN_USER_RESOLVER) private readonly users?: SignedInUserResolver,
    @Optional() @Inject(SCOPE_GRANT_POLICY) private readonly scopePolicy?: ScopeGrantPolicy,
  ) {
    this.deps = {
      findClient: (id) => this.clients.find(id),
      resolveUrlClient: (id) => this.resolveUrlClient(id, null),
      scopes,
      config,
    };
  }

  /** Runs every check in order; from check_redirect_uri on, errors carry where to redirect them. */
  async validate(query: unknown, ip: string | null = null): Promise<ValidatedAuthorization> {
    const ctx: AuthorizeContext = { param: paramReader(query) };
    const deps: AuthorizeDependencies = {
      ...this.deps,
      resolveUrlClient: (id) => this.resolveUrlClient(id, ip),
    };
    for (const check of AUTHORIZE_CHECKS) {
      try {
        await check.run(ctx, deps);
      } catch (thrown) {
        throw this.withRedirect(thrown, ctx.redirectUri, ctx.state, isSelfRegistered(ctx.client));
      }
    }
    return {
      client: ctx.client!,
      redirectUri: ctx.redirectUri!,
      redirectUriProvided: ctx.redirectUriProvided!,
      state: ctx.state,
      codeChallenge: ctx.codeChallenge!,
      scopes: ctx.scopes!,
      resource: ctx.resource!,
      prompt: ctx.prompt!,
    };
  }

  /** GET /oauth/authorize: a validated request goes to sign-in, consent, or straight to a code. */
  async start(query: unknown, request: Request, ip: string): Promise<AuthorizeOutcome> {
    const auth = await this.validate(query, ip);
    try {
      const user = await this.resolver().resolve(request);
      if (user && (await this.consentCovers(user, auth))) {
        return { kind: 'redirect', location: await this.issueCode(user, auth, false, ip) };
      }
      if (auth.prompt.has('none')) {
        throw user
          ? new ConsentRequiredError('The user has not approved this client for these scopes')
          : new LoginRequiredError('The user is not signed in');
      }
      // The request lives in PostgreSQL so sign-in and consent may land on any replica (LB-06).
      const handle = newSecret('authorizationRequest');
      await this.requests.create({
        handleHash: digest(handle),
        clientId: auth.client.clientId,
        redirectUri: auth.redirectUri,
        redirectUriProvided: auth.redirectUriProvided,
        scopes: auth.scopes,
        resource: auth.resource,
        codeChallenge: auth.codeChallenge,
        state: auth.state ?? null,
        prompt: [...auth.prompt].join(' ') || null,
        ttlSeconds: this.config.tokens.authorizationRequestTtl,
      });
      if (!user) return { kind: 'redirect', location: this.loginUrl(handle) };
      return { kind: 'consent', page: await this.consentPage(request, user, auth, handle) };
    } catch (thrown) {
      // Still before any interaction with the person (prompt=none answers, storage errors).
      throw this.withRedirect(thrown, auth.redirectUri, auth.state, isSelfRegistered(auth.client));
    }
  }

  /** GET /oauth/authorize/continue?request_id=…: back from sign-in. */
  async continue(requestId: string | undefined, request: Request, ip: string): Promise<AuthorizeOutcome> {
    const stored = requestId ? await this.requests.findActive(digest(requestId)) : null;
    if (!stored)
      throw new InvalidRequestError(
        'This authorization request has expired or was already answered; start again from the application',
      );
    const auth = await this.rehydrate(stored);
    try {
      const user = await this.resolver().resolve(request);
      if (!user) {
        if (auth.prompt.has('none')) throw new LoginRequiredError('The user is not signed in');
        return { kind: 'redirect', location: this.loginUrl(requestId!) };
      }
      if (await this.consentCovers(user, auth)) {
        if (!(await this.requests.consume(digest(requestId!)))) {
          throw new InvalidRequestError('This authorization request was already answered');
        }
        return { kind: 'redirect', location: await this.issueCode(user, auth, false, ip) };
      }
      if (auth.prompt.has('none'))
        throw new ConsentRequiredError('The user has not approved this client for these scopes');
      return { kind: 'consent', page: await this.consentPage(request, user, auth, requestId!) };
    } catch (thrown) {
      throw this.withRedirect(thrown, auth.redirectUri, auth.state);
    }
  }

  /** POST /oauth/authorize/decision: the consent form's answer (CSRF token bound to the login session). */
  async decide(body: unknown, request: Request, ip: string): Promise<AuthorizeOutcome> {
    const param = paramReader(body);
    const requestId = param('request_id');
    const csrfToken = param('csrf_token');
    const decision = param('decision');
    if (!requestId || !csrfToken || (decision !== 'allow' && decision !== 'deny')) {
      throw new InvalidRequestError('The consent form is incomplete');
    }
    const user = await this.resolver().resolve(request);
    if (!user) return { kind: 'redirect', location: this.loginUrl(requestId) };
    // During a SESSION_SECRET rollover a form rendered before the switch still verifies.
    const accepted = await this.acceptedCsrfTokens(request, requestId);
    if (!accepted.some((expected) => constantTimeEqual(expected, csrfToken))) {
      throw new InvalidRequestError(
        'The consent form has expired; start again from the application',
        'CSRF token mismatch',
      );
    }
    // Single use: one conditional UPDATE; a second submission (or another tab) finds nothing.
    const stored = await this.requests.consume(digest(requestId));
    if (!stored)
      throw new InvalidRequestError('This authorization request has expired or was already answered');
    const auth = await this.rehydrate(stored);
    try {
      if (decision === 'deny') {
        await this.audit.record({
          type: 'consent.denied',
          userId: user.id,
          clientId: auth.client.clientId,
          ip,
          detail: { scopes: auth.scopes },
        });
        return {
          kind: 'redirect',
          location: authorizationResponseUrl(auth.redirectUri, this.config.issuer, {
            error: 'access_denied',
            error_description: 'The user denied the request',
            state: auth.state,
          }),
        };
      }
      return { kind: 'redirect', location: await this.issueCode(user, auth, true, ip) };
    } catch (thrown) {
      throw this.withRedirect(thrown, auth.redirectUri, auth.state);
    }
  }

  /** For the sign-in page (PendingAuthorizationDescriber): which client a continue URL is for. */
  async describeContinueUrl(returnTo: string): Promise<{ clientName: string } | null> {
    let url: URL;
    try {
      url = new URL(returnTo, 'http://local.invalid');
    } catch {
      return null;
    }
    if (url.origin !== 'http://local.invalid' || url.pathname !== CONTINUE_PATH) return null;
    const requestId = url.searchParams.get('request_id');
    if (!requestId) return null;
    const stored = await this.requests.findActive(digest(requestId));
    if (!stored) return null;
    const client = await this.clients.find(stored.clientId);
    return client ? { clientName: displayName(client) } : null;
  }

  /** AS-REG-04: the document's problems are shown on the page as invalid_client, never redirected. */
  private async resolveUrlClient(clientId: string, ip: string | null): Promise<OAuthClientEntity> {
    try {
      return await this.urlClients.resolve(clientId, ip);
    } catch (thrown) {
      if (thrown instanceof CimdClientError) {
        throw new UnknownClientError(
          thrown.description,
          `client_id ${clientId.slice(0, 200)}: ${thrown.outcome}`,
        );
      }
      throw thrown;
    }
  }

  private async consentCovers(user: SignedInUser, auth: ValidatedAuthorization): Promise<boolean> {
    if (auth.prompt.has('consent')) return false;
    if (auth.client.createdVia === 'cimd') {
      // AS-REG-06: a URL client whose document changed its redirect_uris since the consent asks again.
      const info = await this.urlClients.describe(auth.client.clientId);
      const givenAt = await this.urlClients.consentGivenAt(user.id, auth.client.clientId, auth.resource);
      if (!info || !givenAt || givenAt.getTime() < info.redirectUrisChangedAt.getTime()) return false;
    }
    const granted = await this.consents.findScopes(user.id, auth.client.clientId, auth.resource);
    return granted !== null && scopesCovered(auth.scopes, granted, this.scopes);
  }

  /** Grant + single-use code in one transaction; returns the authorization response redirect (RFC 9207 iss). */
  private async issueCode(
    user: SignedInUser,
    auth: ValidatedAuthorization,
    consentGiven: boolean,
    ip: string,
  ): Promise<string> {
    const code = newSecret('authorizationCode');
    await inTransaction(this.dataSource, async (manager) => {
      if (consentGiven) {
        await this.consents.grant(user.id, auth.client.clientId, auth.resource, auth.scopes, manager);
        await this.audit.record(
          {
            type: 'consent.granted',
            userId: user.id,
            clientId: auth.client.clientId,
            ip,
            detail: { scopes: auth.scopes, resource: auth.resource },
          },
          manager,
        );
      }
      const grantId = await this.tokens.createGrant(manager, {
        userId: user.id,
        clientId: auth.client.clientId,
        scopes: auth.scopes,
        resource: auth.resource,
      });
      await this.tokens.insertCode(manager, {
        codeHash: digest(code),
        grantId,
        clientId: auth.client.clientId,
        userId: user.id,
        redirectUri: auth.redirectUri,
        redirectUriProvided: auth.redirectUriProvided,
        codeChallenge: auth.codeChallenge,
        scopes: auth.scopes,
        resource: auth.resource,
        ttlSeconds: this.config.tokens.authorizationCodeTtl,
      });
      await this.audit.record(
        {
          type: 'code.issued',
          userId: user.id,
          clientId: auth.client.clientId,
          grantId,
          ip,
          detail: { scopes: auth.scopes, consentPageShown: consentGiven },
        },
        manager,
      );
    });
    return authorizationResponseUrl(auth.redirectUri, this.config.issuer, { code, state: auth.state });
  }

  private async consentPage(
    request: Request,
    user: SignedInUser,
    auth: ValidatedAuthorization,
    handle: string,
  ): Promise<ConsentPage> {
    const csrfToken = await this.csrfToken(request, handle);
    if (!csrfToken) throw new ServerError('No login session to bind the consent form to');
    const redirect = new URL(auth.redirectUri);
    const client = auth.client;
    const urlClient = client.createdVia === 'cimd' ? await this.urlClients.describe(client.clientId) : null;
    return {
      clientName: displayName(client),
      clientId: urlClient?.url ?? client.clientId,
      clientUri: client.clientUri,
      logoUri: client.logoUri?.startsWith('https://') ? client.logoUri : null,
      // A URL client is verified only when its document's host is in CIMD_ALLOWED_HOSTS.
      unverified: client.createdVia === 'dcr' || (client.createdVia === 'cimd' && !urlClient?.verified),
      documentHost: urlClient?.documentHost ?? null,
      // AS-REG-06: the redirect URI's host is always shown (the scheme for private-use URIs).
      // A private-use URI shows its scheme too: `myapp://accounts.example.com/cb` is not that web host.
      redirectHost:
        redirect.protocol === 'https:' || redirect.protocol === 'http:'
          ? redirect.host
          : `${redirect.protocol}//${redirect.host}`.replace(/\/\/$/, ''),
      loopbackRedirect: redirect.protocol === 'http:' && isLoopbackHost(redirect.hostname),
      // Only what this person can actually be granted (e.g. `admin` for administrators only, issue #8).
      scopes: (await this.grantableScopes(user, auth.scopes)).map((name) => ({
        name,
        description: this.scopes.get(name)?.description ?? name,
      })),
      userName: user.displayName,
      userEmail: user.email,
      requestId: handle,
      csrfToken,
      // The browser posts to the public URL (PUBLIC_URL may carry a path behind a proxy).
      decisionPath: `${new URL(this.config.publicUrl).pathname.replace(/\/+$/, '')}${DECISION_PATH}`,
    };
  }

  /**
   * UP-05: the consent form's CSRF token is bound to the login session and to this request. Every
   * token that verifies: signed with the current secret or, during a rollover, the previous one.
   */
  private async acceptedCsrfTokens(request: Request, handle: string): Promise<string[]> {
    const binding = await this.resolver().sessionBinding(request);
    if (!binding) return [];
    const message = `oauth-consent\n${binding}\n${digest(handle).toString('base64')}`;
    return [this.config.sessionSecret, ...this.config.previousSessionSecrets].map((key) =>
      hmac(key, message),
    );
  }

  /** The token a new consent form carries: always signed with the current secret. */
  private async csrfToken(request: Request, handle: string): Promise<string | null> {
    const binding = await this.resolver().sessionBinding(request);
    if (!binding) return null;
    return hmac(this.config.sessionSecret, `oauth-consent\n${binding}\n${digest(handle).toString('base64')}`);
  }

  private loginUrl(handle: string): string {
    return this.resolver().loginUrl(`${CONTINUE_PATH}?request_id=${encodeURIComponent(handle)}`);
  }

  private async rehydrate(stored: StoredAuthorizationRequest): Promise<ValidatedAuthorization> {
    const client = await this.clients.find(stored.clientId);
    if (!client) throw new InvalidRequestError('The client of this authorization request no longer exists');
    return {
      client,
      redirectUri: stored.redirectUri,
      redirectUriProvided: stored.redirectUriProvided,
      state: stored.state ?? undefined,
      codeChallenge: stored.codeChallenge,
      scopes: stored.scopes,
      resource: stored.resource,
      prompt: new Set((stored.prompt ?? '').split(' ').filter((p) => p.length > 0)),
    };
  }

  private async grantableScopes(user: SignedInUser, scopes: readonly string[]): Promise<readonly string[]> {
    return this.scopePolicy ? this.scopePolicy.grantable(user.id, scopes) : scopes;
  }

  private resolver(): SignedInUserResolver {
    if (!this.users) throw new ServerError('Sign-in is not available', 'no SIGNED_IN_USER_RESOLVER provided');
    return this.users;
  }

  private withRedirect(
    thrown: unknown,
    redirectUri: string | undefined,
    state: string | undefined,
    untrusted = false,
  ): unknown {
    if (!redirectUri) return thrown;
    // The one wire function decides what an unknown error becomes (server_error, temporarily_unavailable).
    const error = toWireError(thrown).cause;
    error.redirect ??= { redirectUri, state, untrusted };
    return error;
  }
}

/** A client whose redirect URIs anyone could have chosen (RFC 7591 registration, a metadata document). */
function isSelfRegistered(client: OAuthClientEntity | undefined): boolean {
  return client === undefined || client.createdVia === 'dcr' || client.createdVia === 'cimd';
}

export function displayName(client: OAuthClientEntity): string {
  return client.clientName ?? 'An unnamed application';
}
