import type { AppConfig } from '@app/config';
import type { ParamReader } from '../common/params';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import type { ScopeRegistry } from '../ports/scope-registry';

/** What the checks need besides the request. */
export interface AuthorizeDependencies {
  findClient(clientId: string): Promise<OAuthClientEntity | null>;
  /**
   * AS-REG-04: a URL client_id resolved through its Client ID Metadata Document (cache or fetch).
   * Throws an error to show on the page (never redirected) when the document cannot be used.
   */
  resolveUrlClient(clientId: string): Promise<OAuthClientEntity>;
  readonly scopes: ScopeRegistry;
  readonly config: AppConfig;
}

/** An authorization request as the checks fill it in, in RFC order. */
export interface AuthorizeContext {
  readonly param: ParamReader;
  client?: OAuthClientEntity;
  /** Set once the redirect URI is known good: from then on errors go back to the client. */
  redirectUri?: string;
  redirectUriProvided?: boolean;
  state?: string;
  codeChallenge?: string;
  scopes?: string[];
  resource?: string;
  prompt?: ReadonlySet<string>;
  maxAge?: number | null;
}

/** One small named check of the authorization endpoint (docs/architecture.md C2); throws a typed OAuth error. */
export interface AuthorizeCheck {
  readonly name: string;
  run(context: AuthorizeContext, deps: AuthorizeDependencies): Promise<void> | void;
}

/** The fully checked request. */
export interface ValidatedAuthorization {
  client: OAuthClientEntity;
  redirectUri: string;
  redirectUriProvided: boolean;
  state: string | undefined;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  prompt: ReadonlySet<string>;
  /** OpenID Connect Core §3.1.2.1 max_age in seconds, null when not sent. */
  maxAge: number | null;
  /** When the stored request was created (after the hop to sign-in); undefined on the first visit. */
  requestedAt?: Date;
}
