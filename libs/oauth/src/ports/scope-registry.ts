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
 * One tool as consent records it (EXT-RC-01): approving a scope approves the tools that need it, as
 * they were declared at that moment. Built once at boot by the tool catalog.
 */
export interface ToolDeclaration {
  readonly name: string;
  readonly title?: string;
  /** The tool's own description (what the model reads), without the server's scope sentence. */
  readonly description: string;
  /**
   * Stable digest (SHA-256, base64url) of the declaration: name, description, input schema,
   * annotations and required scopes. Any change to one of them is a new declaration (EXT-RC-02).
   */
  readonly digest: string;
  /** Every scope the tool needs. */
  readonly requiredScopes: readonly string[];
  /** `annotations.readOnlyHint === true` (RECONSENT_EXEMPT_READ_ONLY may exempt it; EXT-RC-04). */
  readonly readOnly: boolean;
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
  /** Every tool declaration of the running server, by name. */
  toolDeclarations(): readonly ToolDeclaration[];
  /** The tools that list this scope among the ones they need, by name (none for an unknown scope). */
  toolsUnder(scope: string): readonly ToolDeclaration[];
  /**
   * Digest of the names and declaration digests of `toolsUnder(scope)`: equal digests mean the scope
   * covers exactly the same tools, declared the same way (the fast path of EXT-RC-03).
   */
  scopeToolsDigest(scope: string): string;
}

export const SCOPE_REGISTRY = Symbol('SCOPE_REGISTRY');
