import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { inTransaction } from '@app/persistence';
import { authorizationResponseUrl } from '../common/oauth-error.filters';
import {
  ConsentRequiredError,
  InteractionRequiredError,
  InvalidRequestError,
  InvalidScopeError,
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
import { ConsentRepository, redirectUrisDigest } from '../repositories/consent.repository';
import { TokenRepository } from '../repositories/token.repository';
import type { CoveredTools } from '../tool-coverage/tool-coverage';
import { ToolCoveragePolicy } from '../tool-coverage/tool-coverage.policy';
import type { AuthorizeContext, AuthorizeDependencies, ValidatedAuthorization } from './authorize-context';
import { AUTHORIZE_CHECKS } from './checks';
import { isLoopbackHost, matchRedirectUri } from '../clients/redirect-uri';
import { CimdClientResolver } from '../cimd/cimd-client.resolver';
import { CimdClientError } from '../cimd/client-document';

export const CONTINUE_PATH = '/oauth/authorize/continue';
export const DECISION_PATH = '/oauth/authorize/decision';

/** What the controller does next. */
export type AuthorizeOutcome =
  { kind: 'redirect'; location: string } | { kind: 'consent'; page: ConsentPage };

/** A stored consent that covers a request: a code now, or the one-click page of a public client. */
interface RememberedConsent {
  kind: 'code' | 'continue';
  /** When the person approved it (the new grant's lifetime counts from then). */
  approvedAt: Date;
  /** EXT-RC-01: what it covers of the requested scopes, recorded again with the new grant. */
  coveredTools: CoveredTools | null;
}

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
  /** EXT-RC-03: tools added or changed under scopes the person approved before, by name. */
  newTools: { name: string; title: string | null; description: string }[];
  userName: string;
  userEmail: string | null;
  requestId: string;
  csrfToken: string;
  decisionPath: string;
  /**
   * RFC 8252 §8.6 / RFC 6749 §10.2: a public client with a remembered consent; the page is a one-click
   * "Continue to <client>" (same form, same CSRF protection) instead of a silent redirect.
   */
  remembered: boolean;
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
    // Required: without a policy every scope would be grantable, so a missing provider stops the boot.
    @Inject(SCOPE_GRANT_POLICY) private readonly scopePolicy: ScopeGrantPolicy,
    private readonly coverage: ToolCoveragePolicy,
    @Optional() @Inject(SIGNED_IN_USER_RESOLVER) private readonly users?: SignedInUserResolver,
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
      maxAge: ctx.maxAge ?? null,
    };
  }

  /** GET /oauth/authorize: a validated request goes to sign-in, consent, or straight to a code. */
  async start(query: unknown, request: Request, ip: string): Promise<AuthorizeOutcome> {
    const auth = await this.validate(query, ip);
    try {
      const user = await this.resolver().resolve(request);
      const fresh = user !== null && signInIsFresh(user, auth);
      const remembered = user && fresh ? await this.remembered(user, auth) : null;
      if (user && remembered?.kind === 'code') {
        return {
          kind: 'redirect',
          location: await this.issueCode(user, auth, null, remembered, ip),
        };
      }
      if (auth.prompt.has('none')) {
        if (!user || !fresh) throw new LoginRequiredError('The user is not signed in');
        throw remembered
          ? new InteractionRequiredError('This client needs the user to continue in the browser')
          : new ConsentRequiredError('The user has not approved this client for these scopes');
      }
      // The request lives in PostgreSQL so sign-in and consent may land on any replica (LB-06).
      // Signed in: it keeps only the scopes the page will show (what this person can be granted).
      const scopes = user && fresh ? await this.grantableOrRefuse(user, auth.scopes) : auth.scopes;
      const handle = newSecret('authorizationRequest');
      await this.requests.create({
        handleHash: digest(handle),
        clientId: auth.client.clientId,
        redirectUri: auth.redirectUri,
        redirectUriProvided: auth.redirectUriProvided,
        scopes,
        resource: auth.resource,
        codeChallenge: auth.codeChallenge,
        state: auth.state ?? null,
        prompt: [...auth.prompt].join(' ') || null,
        maxAge: auth.maxAge,
        ttlSeconds: this.config.tokens.authorizationRequestTtl,
      });
      // OpenID Connect Core §3.1.2.1: prompt=login and an old sign-in (max_age) sign in again.
      if (!user || !fresh) return { kind: 'redirect', location: this.loginUrl(handle) };
      return {
        kind: 'consent',
        page: await this.consentPage(request, user, { ...auth, scopes }, handle, remembered !== null),
      };
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
      if (!user || !signInIsFresh(user, auth)) {
        if (auth.prompt.has('none')) throw new LoginRequiredError('The user is not signed in');
        return { kind: 'redirect', location: this.loginUrl(requestId!) };
      }
      const remembered = await this.remembered(user, auth);
      if (remembered?.kind === 'code') {
        if (!(await this.requests.consume(digest(requestId!)))) {
          throw new InvalidRequestError('This authorization request was already answered');
        }
        return {
          kind: 'redirect',
          location: await this.issueCode(user, auth, null, remembered, ip),
        };
      }
      if (auth.prompt.has('none'))
        throw remembered
          ? new InteractionRequiredError('This client needs the user to continue in the browser')
          : new ConsentRequiredError('The user has not approved this client for these scopes');
      // The request keeps exactly the scopes the page shows; the decision approves those.
      const scopes = await this.grantableOrRefuse(user, auth.scopes);
      await this.requests.narrowScopes(digest(requestId!), scopes);
      return {
        kind: 'consent',
        page: await this.consentPage(request, user, { ...auth, scopes }, requestId!, remembered !== null),
      };
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
      // The scopes of the page this form came from (the request was narrowed to them when shown).
      return {
        kind: 'redirect',
        location: await this.issueCode(user, auth, auth.scopes, null, ip),
      };
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

  /**
   * Whether a stored consent covers this request, and how it may be used. It covers only when:
   * prompt is not `consent`; it was given for the client's current redirect URI set (RFC 7592 updates
   * and changed metadata documents need a new consent); it is younger than GRANT_MAX_LIFETIME; and it
   * holds every scope this person could be granted now (what was shown and approved, so a scope that
   * became grantable since, like `admin` for a new administrator, shows the page). A public client
   * gets the one-click page (RFC 8252 §8.6), unless an administrator turned remembered consent on for
   * a client an administrator registered.
   */
  private async remembered(
    user: SignedInUser,
    auth: ValidatedAuthorization,
  ): Promise<RememberedConsent | null> {
    if (auth.prompt.has('consent')) return null;
    const consent = await this.consents.find(
      user.id,
      auth.client.clientId,
      auth.resource,
      this.config.tokens.grantMaxLifetime,
    );
    if (!consent || !consent.fresh || !consent.redirectUrisDigest) return null;
    if (!consent.redirectUrisDigest.equals(redirectUrisDigest(auth.client.redirectUris))) return null;
    const wanted = await this.grantableOrRefuse(user, auth.scopes);
    if (!scopesCovered(wanted, consent.scopes, this.scopes)) return null;
    // EXT-RC-03: a tool added or changed under an approved scope since shows the page again.
    if (this.coverage.uncovered(consent.coveredTools, consent.scopes, wanted).length > 0) return null;
    const skipsClick =
      auth.client.tokenEndpointAuthMethod !== 'none' ||
      (auth.client.rememberConsent && auth.client.createdVia === 'admin');
    return {
      kind: skipsClick ? 'code' : 'continue',
      approvedAt: consent.approvedAt,
      coveredTools: this.coverage.narrow(consent.coveredTools, wanted),
    };
  }

  /** RFC 6749 §3.3: the requested scopes this person may hold; none at all is invalid_scope. */
  private async grantableOrRefuse(user: SignedInUser, scopes: readonly string[]): Promise<string[]> {
    const grantable = [...(await this.grantableScopes(user, scopes))];
    if (grantable.length === 0)
      throw new InvalidScopeError('None of the requested scopes can be granted to this user');
    return grantable;
  }

  /**
   * Grant + single-use code in one transaction; returns the authorization response redirect (RFC 9207
   * iss). `approved`: the scopes the person approved on the page just now (stored as the consent), or
   * null for a remembered consent given at `approvedAt`. The client row is read under a share lock:
   * an administrator's Disable either waits for this transaction (and then revokes what it wrote) or
   * has committed and this one refuses.
   */
  private async issueCode(
    user: SignedInUser,
    auth: ValidatedAuthorization,
    approved: readonly string[] | null,
    remembered: RememberedConsent | null,
    ip: string,
  ): Promise<string> {
    const code = newSecret('authorizationCode');
    const scopes = await this.grantableOrRefuse(user, approved ?? auth.scopes);
    // EXT-RC-01: approved on the page now, it covers the scopes' tools as they are now.
    const coveredTools = approved ? this.coverage.record(scopes) : (remembered?.coveredTools ?? null);
    await inTransaction(this.dataSource, async (manager) => {
      const [client] = await manager.query<{ disabled: boolean }[]>(
        `SELECT disabled_at IS NOT NULL AS disabled FROM oauth_clients WHERE client_id = $1 FOR SHARE`,
        [auth.client.clientId],
      );
      if (!client || client.disabled) throw disabledClient(auth.client);
      if (approved) {
        await this.consents.grant(
          {
            userId: user.id,
            clientId: auth.client.clientId,
            resource: auth.resource,
            scopes,
            redirectUrisDigest: redirectUrisDigest(auth.client.redirectUris),
            maxAgeSeconds: this.config.tokens.grantMaxLifetime,
            coveredTools: coveredTools ?? {},
          },
          manager,
        );
        await this.audit.record(
          {
            type: 'consent.granted',
            userId: user.id,
            clientId: auth.client.clientId,
            ip,
            detail: { scopes, resource: auth.resource },
          },
          manager,
        );
      }
      const grantId = await this.tokens.createGrant(manager, {
        userId: user.id,
        clientId: auth.client.clientId,
        scopes,
        resource: auth.resource,
        approvedAt: approved ? null : (remembered?.approvedAt ?? null),
        coveredTools,
      });
      await this.tokens.insertCode(manager, {
        codeHash: digest(code),
        grantId,
        clientId: auth.client.clientId,
        userId: user.id,
        redirectUri: auth.redirectUri,
        redirectUriProvided: auth.redirectUriProvided,
        codeChallenge: auth.codeChallenge,
        scopes,
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
          detail: { scopes, consentPageShown: approved !== null },
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
    remembered: boolean,
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
      // Only what this person can actually be granted (`admin` for administrators only): the caller
      // narrowed auth.scopes to that, and the request row keeps the same list for the decision.
      scopes: auth.scopes.map((name) => ({
        name,
        description: this.scopes.get(name)?.description ?? name,
      })),
      newTools: await this.newTools(user, auth),
      userName: user.displayName,
      userEmail: user.email,
      requestId: handle,
      csrfToken,
      // The browser posts to the public URL (PUBLIC_URL may carry a path behind a proxy).
      decisionPath: `${new URL(this.config.publicUrl).pathname.replace(/\/+$/, '')}${DECISION_PATH}`,
      remembered,
    };
  }

  /** EXT-RC-03: what the stored consent of this person and client does not cover of the page's scopes. */
  private async newTools(user: SignedInUser, auth: ValidatedAuthorization): Promise<ConsentPage['newTools']> {
    const consent = await this.consents.find(user.id, auth.client.clientId, auth.resource, 0);
    if (!consent) return [];
    return this.coverage
      .uncovered(consent.coveredTools, consent.scopes, auth.scopes)
      .map((t) => ({ name: t.name, title: t.title ?? null, description: t.description }));
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

  /**
   * The stored request with its client as it is now: a client disabled since (RFC 6749 §5.2: it is
   * unknown) or whose registration no longer lists this redirect URI cannot finish it.
   */
  private async rehydrate(stored: StoredAuthorizationRequest): Promise<ValidatedAuthorization> {
    const client = await this.clients.find(stored.clientId);
    if (!client) throw new InvalidRequestError('The client of this authorization request no longer exists');
    if (client.disabledAt) throw disabledClient(client);
    if (matchRedirectUri(stored.redirectUri, client.redirectUris) === null)
      throw new InvalidRequestError(
        'The application changed its registration since this request; start again from the application',
      );
    return {
      client,
      redirectUri: stored.redirectUri,
      redirectUriProvided: stored.redirectUriProvided,
      state: stored.state ?? undefined,
      codeChallenge: stored.codeChallenge,
      scopes: stored.scopes,
      resource: stored.resource,
      prompt: new Set((stored.prompt ?? '').split(' ').filter((p) => p.length > 0)),
      maxAge: stored.maxAge,
      requestedAt: stored.createdAt,
    };
  }

  private async grantableScopes(user: SignedInUser, scopes: readonly string[]): Promise<readonly string[]> {
    return this.scopePolicy.grantable(user.id, scopes);
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

/** An administrator disabled the client: shown on the page, never redirected (like check_client). */
function disabledClient(client: OAuthClientEntity): UnknownClientError {
  return new UnknownClientError(
    'This application has been disabled by the administrator of this server',
    `client_id ${client.clientId} disabled`,
  );
}

/**
 * OpenID Connect Core §3.1.2.1: the sign-in is fresh enough when it happened after this request was
 * stored (the person just signed in for it), or, without prompt=login, when it is at most max_age
 * seconds old (no max_age: any age).
 */
function signInIsFresh(user: SignedInUser, auth: ValidatedAuthorization): boolean {
  if (auth.requestedAt && user.authTime.getTime() >= auth.requestedAt.getTime()) return true;
  if (auth.prompt.has('login')) return false;
  return auth.maxAge === null || Date.now() - user.authTime.getTime() <= auth.maxAge * 1000;
}

/** A client whose redirect URIs anyone could have chosen (RFC 7591 registration, a metadata document). */
function isSelfRegistered(client: OAuthClientEntity | undefined): boolean {
  return client === undefined || client.createdVia === 'dcr' || client.createdVia === 'cimd';
}

export function displayName(client: OAuthClientEntity): string {
  return client.clientName ?? 'An unnamed application';
}
