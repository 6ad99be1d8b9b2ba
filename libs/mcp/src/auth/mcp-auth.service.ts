import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { protectedResourceMetadataUrl } from '@app/discovery';
import { ResourceServerAuthenticator } from '@app/oauth';
import { McpHttpError } from '../http/mcp-errors';
import { ToolCatalog } from '../tools/tool-catalog';
import type { McpCaller } from '../tools/tool-types';

/**
 * /mcp's side of the resource-server check (RS-TOK-*), kept out of the route (docs/architecture.md C7):
 * OAuthModule's ResourceServerAuthenticator decides (the one check of every surface); this service only
 * renders its outcome as /mcp's challenges and turns a valid token into the caller.
 */
@Injectable()
export class McpAuthService {
  /** RFC 9728 §5.1 / RS-PRM-05: where clients find our protected resource metadata. */
  readonly resourceMetadataUrl: string;
  private readonly challenges: [McpHttpError?, McpHttpError?] = [];
  /** Keyed by the verifier's (cached, so reused) scopes array; entries go when the array does. */
  private readonly expansions = new WeakMap<readonly string[], readonly string[]>();

  constructor(
    private readonly resourceServer: ResourceServerAuthenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ToolCatalog,
  ) {
    this.resourceMetadataUrl = protectedResourceMetadataUrl(config);
  }

  /**
   * RS-TOK-03: validates the bearer token before anything else happens, for /mcp's resource. Throws the
   * 401 (RS-TOK-01/02), or the 429 once `ip` sent too many tokens the database did not know.
   */
  async authenticate(authorization: string | undefined, ip?: string | null): Promise<McpCaller> {
    const answer = this.resourceServer.authenticate(authorization, this.config.mcpResource, ip);
    // Awaited only when a lookup was needed: the refusals answered at once allocate no promise.
    const outcome = answer instanceof Promise ? await answer : answer;
    switch (outcome.kind) {
      case 'ok': {
        const { token } = outcome;
        const scopes = this.expandedScopes(token.scopes);
        const { clientId, grantId } = token;
        // A client_credentials token (RFC 6749 §4.4) names no person: the caller is the client itself.
        return Object.freeze(
          token.userId === null
            ? { kind: 'client' as const, userId: null, clientId, grantId, scopes }
            : { kind: 'person' as const, userId: token.userId, clientId, grantId, scopes },
        );
      }
      // RFC 6750 §3.1: a request without credentials gets a challenge with no error code.
      case 'no_credentials':
        throw this.unauthorized(false);
      case 'rate_limited':
        throw this.tooManyUnknownTokens(outcome.retryAfterSeconds);
      case 'malformed':
      case 'refused':
        throw this.unauthorized(true);
    }
  }

  /**
   * RFC 6585 §4: 429 with Retry-After. Not a 401: a 401 invites the client to fetch a new token and try
   * again at once (RFC 6750 §3.1), which is what a flood of guessed tokens would do anyway.
   */
  private tooManyUnknownTokens(retryAfterSeconds: number): McpHttpError {
    return new McpHttpError(429, 'Too many requests with unknown bearer tokens; try again later', {
      'Retry-After': String(retryAfterSeconds),
    });
  }

  /** The scopes with everything they imply, sorted; computed once per scopes array the verifier hands out. */
  private expandedScopes(scopes: readonly string[]): readonly string[] {
    let expanded = this.expansions.get(scopes);
    if (!expanded) {
      expanded = Object.freeze([...this.catalog.expand(scopes)].sort());
      this.expansions.set(scopes, expanded);
    }
    return expanded;
  }

  /** RS-SC-06: whether the caller's scopes, with everything they imply, cover `required`. */
  allows(caller: McpCaller, required: readonly string[]): boolean {
    return required.every((scope) => caller.scopes.includes(scope));
  }

  /**
   * RS-TOK-01/02, RS-SC-01: 401 naming the metadata and the minimal default scopes, plus
   * `error="invalid_token"` when a token was presented (missing, invalid, expired, revoked, wrong
   * audience all look the same to the client: get a new token).
   */
  unauthorized(tokenPresented: boolean): McpHttpError {
    // Built once per kind (the challenge never changes while the process runs): the 401 path is what an
    // attacker hammers, so it allocates no Error and no strings per request.
    const index = tokenPresented ? 1 : 0;
    return (this.challenges[index] ??= this.buildUnauthorized(tokenPresented));
  }

  private buildUnauthorized(tokenPresented: boolean): McpHttpError {
    const params = [
      ...(tokenPresented ? ['error="invalid_token"'] : []),
      `resource_metadata="${this.resourceMetadataUrl}"`,
      ...this.scopeParam(this.catalog.defaults()),
    ];
    return new McpHttpError(
      401,
      tokenPresented ? 'Unauthorized: invalid_token' : 'Unauthorized: a bearer token is required',
      { 'WWW-Authenticate': `Bearer ${params.join(', ')}` },
    );
  }

  /**
   * RS-SC-04/05: 403 step-up challenge naming every scope this call needs (in one challenge), so the
   * client can ask the user for exactly that.
   */
  insufficientScope(required: readonly string[]): McpHttpError {
    const params = [
      'error="insufficient_scope"',
      ...this.scopeParam(required),
      `resource_metadata="${this.resourceMetadataUrl}"`,
    ];
    return new McpHttpError(403, 'Forbidden: insufficient_scope', {
      'WWW-Authenticate': `Bearer ${params.join(', ')}`,
    });
  }

  private scopeParam(scopes: readonly string[]): string[] {
    return scopes.length > 0 ? [`scope="${scopes.join(' ')}"`] : [];
  }
}
