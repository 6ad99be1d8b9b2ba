import type { ScopeDefinition, ScopeRegistry } from '../ports/scope-registry';

/** The provisional registry's scopes, for unit tests of this library. */
export function fakeScopeRegistry(): ScopeRegistry {
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
  };
}
