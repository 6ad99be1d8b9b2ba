import { Injectable } from '@nestjs/common';
import type { ScopeDefinition, ScopeRegistry } from '@app/oauth';

// TODO(replaced by the decorator-collected registry of issue #5): a fixed list so OAuthModule can be
// built against the port while the tool decorators are written.
const SCOPES: ScopeDefinition[] = [
  { name: 'profile:read', description: 'See your name and email address', implies: [], isDefault: true },
  { name: 'notes:read', description: 'Read your notes', implies: [], isDefault: true },
  {
    name: 'notes:write',
    description: 'Create and delete your notes',
    implies: ['notes:read'],
    isDefault: false,
  },
];

@Injectable()
export class ProvisionalScopeRegistry implements ScopeRegistry {
  all(): readonly ScopeDefinition[] {
    return SCOPES;
  }
  get(name: string): ScopeDefinition | undefined {
    return SCOPES.find((s) => s.name === name);
  }
  defaults(): readonly string[] {
    return SCOPES.filter((s) => s.isDefault).map((s) => s.name);
  }
  expand(scopes: Iterable<string>): ReadonlySet<string> {
    const out = new Set<string>();
    const visit = (name: string) => {
      if (out.has(name)) return;
      out.add(name);
      for (const implied of this.get(name)?.implies ?? []) visit(implied);
    };
    for (const s of scopes) visit(s);
    return out;
  }
}
