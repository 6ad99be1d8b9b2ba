import type { ScopeRegistry, ToolDeclaration } from '../ports/scope-registry';

/** What one approved scope covered when it was approved (EXT-RC-01). */
export interface ScopeToolsRecord {
  /** The registry's `scopeToolsDigest` of the scope then. */
  readonly digest: string;
  /** Each tool under the scope then: name → declaration digest. */
  readonly tools: Readonly<Record<string, string>>;
}

/**
 * Recorded with a consent and with a grant: one entry per approved scope, implied scopes included.
 * null (or a scope without an entry): recorded before these records existed (EXT-RC-05).
 */
export type CoveredTools = Readonly<Record<string, ScopeToolsRecord>>;

/** The declarations in service when this feature was first deployed (EXT-RC-05). */
export interface ToolBaseline {
  has(name: string, digest: string): boolean;
}

export interface CoverageRules {
  /** RECONSENT_EXEMPT_READ_ONLY (EXT-RC-04). */
  readonly exemptReadOnly: boolean;
  readonly baseline: ToolBaseline;
}

/** What approving `scopes` approves now: every scope with what it implies, each with its tools. */
export function recordCoveredTools(scopes: Iterable<string>, registry: ScopeRegistry): CoveredTools {
  const out: Record<string, ScopeToolsRecord> = {};
  for (const scope of [...registry.expand(scopes)].sort()) {
    const tools: Record<string, string> = {};
    for (const tool of registry.toolsUnder(scope)) tools[tool.name] = tool.digest;
    out[scope] = { digest: registry.scopeToolsDigest(scope), tools };
  }
  return out;
}

/**
 * EXT-RC-03: whether what was recorded covers this tool as it is declared now. Covered when it is an
 * exempt read-only tool, or when one of the scopes it needs was approved with it: that scope's tools
 * are unchanged since (equal digests, the fast path) or they held this very declaration. A scope
 * without a record (stored before records existed) covers the baseline declarations (EXT-RC-05).
 */
export function toolCovered(
  recorded: CoveredTools | null,
  tool: ToolDeclaration,
  currentDigest: (scope: string) => string,
  rules: CoverageRules,
): boolean {
  if (rules.exemptReadOnly && tool.readOnly) return true;
  let unrecorded = false;
  for (const scope of tool.requiredScopes) {
    const entry = recorded?.[scope];
    if (!entry) unrecorded = true;
    else if (entry.digest === currentDigest(scope) || entry.tools[tool.name] === tool.digest) return true;
  }
  return unrecorded && rules.baseline.has(tool.name, tool.digest);
}

/**
 * The tools reachable with `scopes` (every scope they need is among them or implied) that `recorded`
 * does not cover, each once, by name. Only scopes `recorded` approved before count (`approved`,
 * expanded): the tools of a scope requested for the first time are that scope's own news.
 */
export function uncoveredTools(
  recorded: CoveredTools | null,
  approved: readonly string[],
  scopes: readonly string[],
  registry: ScopeRegistry,
  rules: CoverageRules,
): ToolDeclaration[] {
  const reachable = registry.expand(scopes);
  const before = registry.expand(approved);
  const found = new Map<string, ToolDeclaration>();
  for (const scope of reachable) {
    if (!before.has(scope)) continue;
    const digest = registry.scopeToolsDigest(scope);
    // Fast path: the scope covers exactly what it covered when approved.
    if (recorded?.[scope]?.digest === digest) continue;
    for (const tool of registry.toolsUnder(scope)) {
      if (found.has(tool.name) || !tool.requiredScopes.every((s) => reachable.has(s))) continue;
      if (!toolCovered(recorded, tool, (s) => registry.scopeToolsDigest(s), rules))
        found.set(tool.name, tool);
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
