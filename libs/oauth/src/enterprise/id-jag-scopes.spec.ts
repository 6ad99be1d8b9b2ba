import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ScopeDefinition, ScopeRegistry } from '../ports/scope-registry';
import { idJagScopes } from './id-jag-scopes';

const defs: ScopeDefinition[] = [
  { name: 'profile:read', description: 'p', implies: [], isDefault: true },
  { name: 'notes:read', description: 'r', implies: [], isDefault: true },
  { name: 'notes:write', description: 'w', implies: ['notes:read'], isDefault: false },
  { name: 'admin', description: 'a', implies: [], isDefault: false },
];
const registry: ScopeRegistry = {
  all: () => defs,
  get: (n) => defs.find((d) => d.name === n),
  defaults: () => defs.filter((d) => d.isDefault).map((d) => d.name),
  expand: (scopes) => {
    const out = new Set<string>();
    for (const s of scopes) {
      out.add(s);
      for (const i of defs.find((d) => d.name === s)?.implies ?? []) out.add(i);
    }
    return out;
  },
  toolDeclarations: () => [],
  toolsUnder: () => [],
  scopeToolsDigest: () => '',
};
const error = (name: string) => (e: unknown) => (e as { error?: string }).error === name;

describe('idJagScopes (EXT-EMA-06)', () => {
  it('is the intersection of the request and the ID-JAG, with implied scopes', () => {
    assert.deepEqual(idJagScopes('notes:read notes:write', 'profile:read notes:read', registry), [
      'notes:read',
    ]);
    assert.deepEqual(
      idJagScopes('notes:read', 'notes:write', registry),
      ['notes:read'],
      'notes:write implies it',
    );
  });

  it("takes the ID-JAG's scopes when the request names none, the defaults when neither does", () => {
    assert.deepEqual(idJagScopes(undefined, 'notes:write', registry), ['notes:write']);
    assert.deepEqual(idJagScopes(undefined, undefined, registry), ['profile:read', 'notes:read']);
    assert.deepEqual(idJagScopes('notes:write', undefined, registry), ['notes:write']);
  });

  it('never issues admin for the MCP resource', () => {
    assert.deepEqual(idJagScopes('admin notes:read', 'admin notes:read', registry), ['notes:read']);
    assert.throws(() => idJagScopes('admin', 'admin', registry), error('invalid_scope'));
  });

  it('refuses: an ID-JAG with unknown or malformed scopes (invalid_grant), requests nothing covers (invalid_scope)', () => {
    assert.throws(() => idJagScopes(undefined, 'payroll:write', registry), error('invalid_grant'));
    assert.throws(() => idJagScopes(undefined, 'bad"scope', registry), error('invalid_grant'));
    assert.throws(() => idJagScopes('notes:write', 'profile:read', registry), error('invalid_scope'));
    assert.throws(() => idJagScopes('unknown:x', 'profile:read', registry), error('invalid_scope'));
    assert.throws(() => idJagScopes('bad"scope', 'profile:read', registry), error('invalid_scope'));
  });
});
