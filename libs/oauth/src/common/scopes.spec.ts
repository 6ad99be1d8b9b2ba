import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { narrowScopes, parseScope, scopesCovered } from './scopes';
import { fakeScopeRegistry } from './testing';

const registry = fakeScopeRegistry();

describe('scopes', () => {
  it('parses space-delimited scope tokens and drops duplicates', () => {
    assert.deepEqual(parseScope('a  b a'), ['a', 'b']);
    assert.deepEqual(parseScope(undefined), []);
    assert.equal(parseScope('a "b'), 'malformed');
  });
  it('narrows to supported scopes in registry order; none requested → defaults', () => {
    assert.deepEqual(narrowScopes(['notes:write', 'unknown', 'profile:read'], registry), [
      'profile:read',
      'notes:write',
    ]);
    assert.deepEqual(narrowScopes([], registry), ['profile:read', 'notes:read']);
    assert.deepEqual(narrowScopes(['unknown'], registry), []);
  });
  it('covers narrower scopes through the hierarchy (RS-SC-06)', () => {
    assert.equal(scopesCovered(['notes:read'], ['notes:write'], registry), true);
    assert.equal(scopesCovered(['notes:write'], ['notes:read'], registry), false);
    assert.equal(
      scopesCovered(['profile:read', 'notes:read'], ['profile:read', 'notes:write'], registry),
      true,
    );
  });
});
