import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalJson,
  indexToolsByScope,
  scopeToolsDigest,
  toolDeclaration,
  type DeclaredTool,
} from './tool-digest';

const purge: DeclaredTool = {
  name: 'notes_purge',
  title: 'Purge notes',
  description: 'Deletes every note.',
  inputSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
  annotations: { destructiveHint: true },
  requiredScopes: ['notes:write'],
};

describe('tool declaration digest (EXT-RC-02)', () => {
  it('canonical JSON sorts keys at every level, keeps array order, drops undefined members', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, 1], c: null }, e: undefined }),
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    assert.equal(canonicalJson('x'), '"x"');
  });

  it('is stable: the same declaration in another key order, or scopes in another order, digests the same', () => {
    const a = toolDeclaration(purge);
    const b = toolDeclaration({
      requiredScopes: ['notes:write', 'notes:write'],
      annotations: { destructiveHint: true },
      inputSchema: { required: ['confirm'], properties: { confirm: { type: 'boolean' } }, type: 'object' },
      description: 'Deletes every note.',
      name: 'notes_purge',
    });
    assert.equal(a.digest, b.digest);
    assert.match(a.digest, /^[A-Za-z0-9_-]{43}$/);
    const two = toolDeclaration({ ...purge, requiredScopes: ['b', 'a'] });
    assert.equal(two.digest, toolDeclaration({ ...purge, requiredScopes: ['a', 'b'] }).digest);
    assert.deepEqual(two.requiredScopes, ['a', 'b']);
  });

  it('changes with the name, description, input schema, annotations or required scopes; not with the title', () => {
    const base = toolDeclaration(purge).digest;
    const variants: Partial<DeclaredTool>[] = [
      { name: 'notes_purge2' },
      { description: 'Deletes every note, for good.' },
      { inputSchema: { type: 'object', properties: {} } },
      { annotations: { destructiveHint: false } },
      { annotations: undefined },
      { requiredScopes: ['notes:write', 'profile:read'] },
    ];
    for (const change of variants) {
      assert.notEqual(toolDeclaration({ ...purge, ...change }).digest, base, JSON.stringify(change));
    }
    assert.equal(toolDeclaration({ ...purge, title: 'Empty the notebook' }).digest, base);
  });

  it('keeps what consent shows and whether the tool says it is read-only', () => {
    const d = toolDeclaration(purge);
    assert.equal(d.title, 'Purge notes');
    assert.equal(d.description, 'Deletes every note.');
    assert.equal(d.readOnly, false);
    assert.equal(toolDeclaration({ ...purge, annotations: { readOnlyHint: true } }).readOnly, true);
    assert.ok(Object.isFrozen(d));
  });
});

describe('tools by scope (EXT-RC-03 fast path)', () => {
  const list = toolDeclaration({ ...purge, name: 'notes_list', requiredScopes: ['notes:read'] });
  const create = toolDeclaration({ ...purge, name: 'notes_create' });
  const both = toolDeclaration({
    ...purge,
    name: 'notes_share',
    requiredScopes: ['notes:read', 'profile:read'],
  });

  it('lists each tool under every scope it needs, by name; every declared scope has an entry', () => {
    const index = indexToolsByScope(
      [create, list, both],
      ['notes:read', 'notes:write', 'profile:read', 'empty'],
    );
    assert.deepEqual(
      index.toolsUnder.get('notes:read')!.map((t) => t.name),
      ['notes_list', 'notes_share'],
    );
    assert.deepEqual(
      index.toolsUnder.get('profile:read')!.map((t) => t.name),
      ['notes_share'],
    );
    assert.deepEqual(index.toolsUnder.get('empty'), []);
    assert.equal(index.digests.get('empty'), scopeToolsDigest([]));
  });

  it('a scope digest changes when a tool is added under it or changes, and only that scope', () => {
    const scopes = ['notes:read', 'notes:write'];
    const before = indexToolsByScope([create, list], scopes);
    const added = indexToolsByScope([create, list, toolDeclaration(purge)], scopes);
    assert.notEqual(added.digests.get('notes:write'), before.digests.get('notes:write'));
    assert.equal(added.digests.get('notes:read'), before.digests.get('notes:read'));
    const changed = indexToolsByScope([create, { ...list, digest: 'other' }], scopes);
    assert.notEqual(changed.digests.get('notes:read'), before.digests.get('notes:read'));
    const reordered = indexToolsByScope([list, create], scopes);
    assert.deepEqual(reordered.digests, before.digests);
  });
});
