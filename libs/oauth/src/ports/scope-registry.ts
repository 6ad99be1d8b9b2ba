/** One scope, as tools declare it. */
export interface ScopeDefinition {
  readonly name: string;
  /** Plain words for the consent page ("Read your notes"). */
  readonly description: string;
  /** Narrower scopes this one implies (`notes:write` implies `notes:read`). */
  readonly implies: readonly string[];
  /** Part of the minimal default set (PRM scopes_supported, 401 challenge; RS-PRM-10). */
  readonly isDefault: boolean;
}

/**
 * How OAuthModule learns which scopes exist. libs/mcp implements it from the tool decorators and
 * provides it under SCOPE_REGISTRY; OAuthModule never imports libs/mcp (dependency points mcp → oauth).
 */
export interface ScopeRegistry {
  all(): readonly ScopeDefinition[];
  get(name: string): ScopeDefinition | undefined;
  /** The minimal set granted when a request names no scope. */
  defaults(): readonly string[];
  /** The scopes plus everything they imply, transitively. */
  expand(scopes: Iterable<string>): ReadonlySet<string>;
}

export const SCOPE_REGISTRY = Symbol('SCOPE_REGISTRY');
