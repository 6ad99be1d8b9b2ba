import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import type { AuditLog } from '@app/audit';
import type { CimdClientResolver } from '../../cimd/cimd-client.resolver';
import type { ScopeGrantPolicy } from '../../grants-directory/scope-grant-policy';
import type { ScopeRegistry } from '../../ports/scope-registry';
import type { SignedInUser, SignedInUserResolver } from '../../ports/signed-in-user';
import type { AuthorizationRequestRepository } from '../../repositories/authorization-request.repository';
import type { ClientRepository } from '../../repositories/client.repository';
import type { ConsentRepository } from '../../repositories/consent.repository';
import type { CodeRepository } from '../../repositories/code.repository';
import type { GrantRepository } from '../../repositories/grant.repository';
import type { AuthorizeContext, AuthorizeDependencies, ValidatedAuthorization } from '../authorize-context';

/** The three ways into the authorization endpoint (RFC 6749 §4.1.1, and the two hops of sign-in and consent). */
export type AuthorizeEntry = 'start' | 'continue' | 'decide';

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
  /**
   * RFC 8252 §8.6 / RFC 6749 §10.2: a public client with a remembered consent; the page is a one-click
   * "Continue to <client>" (same form, same CSRF protection) instead of a silent redirect.
   */
  remembered: boolean;
}

/** A stored consent that covers a request: a code now, or the one-click page of a public client. */
export interface RememberedConsent {
  kind: 'code' | 'continue';
  /** When the person approved it (the new grant's lifetime counts from then). */
  approvedAt: Date;
}

/** One browser request through the endpoint, filled in by the steps in table order. */
export interface AuthorizeRun {
  readonly entry: AuthorizeEntry;
  /** The query (start), the request_id (continue) or the consent form (decide). */
  readonly input: unknown;
  readonly request: Request;
  readonly ip: string | null;
  /** start: the checks' context, read by the runner while validation is under way. */
  checks?: AuthorizeContext;
  /** The request being answered; from here on errors go back to its redirect URI. */
  auth?: ValidatedAuthorization;
  /** The stored request's handle (request_id). */
  handle?: string;
  user?: SignedInUser | null;
  /** OpenID Connect Core §3.1.2.1: signed in recently enough for this request. */
  fresh?: boolean;
  remembered?: RememberedConsent | null;
  /** decide: the consent form's fields. */
  form?: { csrfToken: string; decision: 'allow' | 'deny' };
  /**
   * What issue_code acts on: `approved` is what the person approved on the page just now (stored as the
   * consent), or null for a remembered consent given at `approvedAt`.
   */
  approval?: { approved: readonly string[] | null; approvedAt: Date | null };
  /** Set by the step that answers; the runner stops there. */
  outcome?: AuthorizeOutcome;
}

/** What the steps use; built once by AuthorizeService. */
export interface AuthorizeStepDependencies {
  readonly dataSource: DataSource;
  readonly clients: ClientRepository;
  readonly requests: AuthorizationRequestRepository;
  readonly consents: ConsentRepository;
  readonly grants: GrantRepository;
  readonly codes: CodeRepository;
  readonly audit: AuditLog;
  readonly scopes: ScopeRegistry;
  readonly config: AppConfig;
  readonly urlClients: CimdClientResolver;
  readonly scopePolicy: ScopeGrantPolicy;
  /** The checks' dependencies, with URL clients fetched on behalf of `ip`. */
  checks(ip: string | null): AuthorizeDependencies;
  /** Throws ServerError when no SIGNED_IN_USER_RESOLVER is provided. */
  resolver(): SignedInUserResolver;
}

/** One named step of the authorization endpoint (docs/architecture.md C2); throws a typed OAuth error. */
export interface AuthorizeStep {
  readonly name: string;
  /** The entry points that run this step, in the table's order. */
  readonly appliesTo: readonly AuthorizeEntry[];
  run(run: AuthorizeRun, deps: AuthorizeStepDependencies): Promise<void> | void;
}
