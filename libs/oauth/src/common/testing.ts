import { createHash } from 'node:crypto';
import type { ScopeDefinition, ScopeRegistry, ToolDeclaration } from '../ports/scope-registry';

/**
 * The provisional registry's scopes, for unit tests of this library, with the given tools (none by
 * default). A tool's digest stands in for its declaration.
 */
export function fakeScopeRegistry(tools: readonly ToolDeclaration[] = []): ScopeRegistry {
  const defs: ScopeDefinition[] = [
    { name: 'profile:read', description: 'See your name and email address', implies: [], isDefault: true },
    { name: 'notes:read', description: 'Read your notes', implies: [], isDefault: true },
    {
      name: 'notes:write',
      description: 'Create and delete your notes',
      implies: ['notes:read'],
      isDefault: false,
    },
  ];
  const get = (n: string) => defs.find((d) => d.name === n);
  return {
    all: () => defs,
    get,
    defaults: () => defs.filter((d) => d.isDefault).map((d) => d.name),
    expand: (scopes) => {
      const out = new Set<string>();
      const visit = (n: string) => {
        if (out.has(n)) return;
        out.add(n);
        for (const i of get(n)?.implies ?? []) visit(i);
      };
      for (const s of scopes) visit(s);
      return out;
    },
    toolDeclarations: () => tools,
    toolsUnder: (scope) => tools.filter((t) => t.requiredScopes.includes(scope)),
    scopeToolsDigest: (scope) =>
      createHash('sha256')
        .update(
          tools
            .filter((t) => t.requiredScopes.includes(scope))
            .map((t) => `${t.name} ${t.digest}\n`)
            .join(''),
        )
        .digest('base64url'),
  };
}
