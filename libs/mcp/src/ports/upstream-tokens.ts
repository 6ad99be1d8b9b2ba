/**
 * The person's own account at an upstream provider, ready to call: requests go to the provider's API
 * base with the person's upstream token, which the tool never sees (UP-09, UP-11).
 */
export interface UpstreamApi {
  /** The provider key (`github`). */
  readonly provider: string;
  /** The API base the paths are resolved against, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  readonly baseUrl: string;
  /**
   * `fetch` of `baseUrl + path` with the person's token. `path` starts with `/`; any other URL is
   * refused, so the token never leaves for another host. An expired token is refreshed first; when
   * the provider revoked access, it throws a ToolError that tells the person where to sign in again.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * Port owned by libs/mcp so that tool libraries, which import only @app/mcp, can act on the caller's
 * upstream account. Identity implements it (it holds the tokens, sealed); McpModule binds it to the
 * caller's user id for each tools/call, so a tool never reaches another person's token.
 */
export interface UpstreamTokenPort {
  /** Why `provider` cannot serve tools (not configured, no key in production), or null when it can. */
  unavailable(provider: string): string | null;
  /** The API of `provider` for this user. Nothing is read until the first `fetch`. */
  apiFor(userId: string, provider: string): UpstreamApi;
}

export const UPSTREAM_TOKEN_PORT = Symbol('UPSTREAM_TOKEN_PORT');
