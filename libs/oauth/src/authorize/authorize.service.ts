import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AuditLog } from '@app/audit';
import { ServerError, UnknownClientError } from '../common/oauth-errors';
import { digest } from '../common/secrets';
import { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from '../grants-directory/scope-grant-policy';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { SCOPE_REGISTRY, type ScopeRegistry } from '../ports/scope-registry';
import { SIGNED_IN_USER_RESOLVER, type SignedInUserResolver } from '../ports/signed-in-user';
import { AuthorizationRequestRepository } from '../repositories/authorization-request.repository';
import { ClientRepository } from '../repositories/client.repository';
import { ConsentRepository } from '../repositories/consent.repository';
import { CodeRepository } from '../repositories/code.repository';
import { GrantRepository } from '../repositories/grant.repository';
import type { ValidatedAuthorization } from './authorize-context';
import { CimdClientResolver } from '../cimd/cimd-client.resolver';
import { CimdClientError } from '../cimd/client-document';
import { runAuthorize, runSteps } from './steps/authorize-runner';
import type {
  AuthorizeEntry,
  AuthorizeOutcome,
  AuthorizeRun,
  AuthorizeStepDependencies,
} from './steps/authorize-step';
import { stepLoadRequest } from './steps/step-load-request';
import { displayName } from './steps/step-render-consent';
import { CONTINUE_PATH } from './steps/sign-in';

export type { AuthorizeOutcome, ConsentPage } from './steps/authorize-step';
export { DECISION_PATH, displayName } from './steps/step-render-consent';
export { CONTINUE_PATH } from './steps/sign-in';

/**
 * The authorization endpoint (RFC 6749 §4.1): each entry point runs the step table
 * (authorize/steps/index.ts) through the one runner (authorize/steps/authorize-runner.ts).
 */
@Injectable()
export class AuthorizeService {
  private readonly deps: AuthorizeStepDependencies;

  constructor(
    dataSource: DataSource,
    private readonly clients: ClientRepository,
    private readonly requests: AuthorizationRequestRepository,
    consents: ConsentRepository,
    grants: GrantRepository,
    codes: CodeRepository,
    audit: AuditLog,
    @Inject(SCOPE_REGISTRY) scopes: ScopeRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly urlClients: CimdClientResolver,
    // Required: without a policy every scope would be grantable, so a missing provider stops the boot.
    @Inject(SCOPE_GRANT_POLICY) scopePolicy: ScopeGrantPolicy,
    @Optional() @Inject(SIGNED_IN_USER_RESOLVER) private readonly users?: SignedInUserResolver,
  ) {
    this.deps = {
      dataSource,
      clients,
      requests,
      consents,
      grants,
      codes,
      audit,
      scopes,
      config,
      urlClients,
      scopePolicy,
      checks: (ip) => ({
        findClient: (id) => this.clients.find(id),
        resolveUrlClient: (id) => this.resolveUrlClient(id, ip),
        scopes,
        config,
      }),
      resolver: () => this.resolver(),
    };
  }

  /** Runs every check in order; from check_redirect_uri on, errors carry where to redirect them. */
  async validate(query: unknown, ip: string | null = null): Promise<ValidatedAuthorization> {
    const run = this.newRun('start', query, undefined, ip);
    await runSteps(run, this.deps, [stepLoadRequest], stepLoadRequest.name);
    return run.auth!;
  }

  /** GET /oauth/authorize: a validated request goes to sign-in, consent, or straight to a code. */
  start(query: unknown, request: Request, ip: string): Promise<AuthorizeOutcome> {
    return runAuthorize(this.newRun('start', query, request, ip), this.deps);
  }

  /** GET /oauth/authorize/continue?request_id=…: back from sign-in. */
  continue(requestId: string | undefined, request: Request, ip: string): Promise<AuthorizeOutcome> {
    return runAuthorize(this.newRun('continue', requestId, request, ip), this.deps);
  }

  /** POST /oauth/authorize/decision: the consent form's answer (CSRF token bound to the login session). */
  decide(body: unknown, request: Request, ip: string): Promise<AuthorizeOutcome> {
    return runAuthorize(this.newRun('decide', body, request, ip), this.deps);
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

  private newRun(
    entry: AuthorizeEntry,
    input: unknown,
    request: Request | undefined,
    ip: string | null,
  ): AuthorizeRun {
    // validate() runs load_request alone, which never reads the browser request.
    return { entry, input, request: request as Request, ip };
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

  private resolver(): SignedInUserResolver {
    if (!this.users) throw new ServerError('Sign-in is not available', 'no SIGNED_IN_USER_RESOLVER provided');
    return this.users;
  }
}
