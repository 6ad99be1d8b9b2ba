import { SetMetadata } from '@nestjs/common';
import { McpDeclarationError } from './decorators';

export const MCP_UPSTREAM_METADATA = 'mcp:upstream';

/** A sign-in provider key (`github`, `google`): what `/auth/<key>` and `user_identities.provider` use. */
export const UPSTREAM_PROVIDER_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** RFC 6749 §3.3 scope-token (NQCHAR), long enough for Google's URL-shaped scopes. */
export const UPSTREAM_SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;

/** What @UsesUpstream stores on a tool method. */
export interface UpstreamDeclaration {
  /** The sign-in provider whose API the tool calls on the person's behalf. */
  readonly provider: string;
  /** The provider's own scopes the tool needs; asked for at sign-in with that provider (UP-11). */
  readonly scopes: readonly string[];
}

/**
 * The tool calls the person's own account at an upstream provider (their GitHub, their Google) with
 * the token the server holds for them, never with the MCP token (RS-TOK-06, UP-11). Goes beside
 * @McpTool; the tool then reaches the API through `context.upstream(provider)` and through nothing
 * else. Misuse throws when the class is declared; the boot fails when the provider is not configured
 * or no key can seal its tokens.
 *
 * @example
 *   @McpTool({ name: 'github_repos', ... })
 *   @RequireScopes('github:read')
 *   @UsesUpstream('github', ['repo'])
 *   async repos(input, caller, context) { const api = context.upstream('github'); ... }
 */
export function UsesUpstream(provider: string, scopes: readonly string[] = []) {
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor): void => {
    const name = (target as { constructor?: { name?: string } }).constructor?.name ?? 'anonymous';
    const at = `@UsesUpstream on ${name}.${String(key)}`;
    if (typeof provider !== 'string' || !UPSTREAM_PROVIDER_PATTERN.test(provider)) {
      throw new McpDeclarationError(
        `${at}: provider ${JSON.stringify(provider)} must be a sign-in provider key such as "github" or "google"`,
      );
    }
    if (
      !Array.isArray(scopes) ||
      scopes.some((s) => typeof s !== 'string' || !UPSTREAM_SCOPE_PATTERN.test(s))
    ) {
      throw new McpDeclarationError(
        `${at}: scopes must be a list of the provider's scope names (visible ASCII, no spaces, quotes or backslashes), e.g. ['repo']`,
      );
    }
    if (typeof descriptor?.value !== 'function') {
      throw new McpDeclarationError(`${at}: @UsesUpstream goes on a tool method`);
    }
    const declaration: UpstreamDeclaration = Object.freeze({
      provider,
      scopes: Object.freeze([...new Set(scopes)]),
    });
    SetMetadata(MCP_UPSTREAM_METADATA, declaration)(target, key, descriptor);
  };
}
