import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ToolDeclaration } from '../ports/scope-registry';
import { fakeScopeRegistry } from '../common/testing';
import {
  recordCoveredTools,
  toolCovered,
  uncoveredTools,
  type CoverageRules,
  type CoveredTools,
} from './tool-coverage';

const tool = (name: string, scopes: string[], digest = `${name}-v1`, readOnly = false): ToolDeclaration => ({
  name,
  title: `${name} title`,
  description: `${name} does things`,
  digest,
  requiredScopes: scopes,
  readOnly,
});

const list = tool('notes_list', ['notes:read'], 'list-v1', true);
const create = tool('notes_create', ['notes:write']);
const whoami = tool('whoami', ['profile:read'], 'who-v1', true);
const purge = tool('notes_purge', ['notes:write']);
const search = tool('notes_search', ['notes:read'], 'search-v1', true);

const before = fakeScopeRegistry([list, create, whoami]);
const nothingOld = { has: () => false };
const strict: CoverageRules = { exemptReadOnly: false, baseline: nothingOld };

/** What a grant approved on `registry` for `scopes` recorded. */
const approvedOn = (registry: typeof before, scopes: string[]) =>
  JSON.parse(JSON.stringify(recordCoveredTools(scopes, registry))) as CoveredTools;

describe('tool coverage (EXT-RC-01..05)', () => {
  it('records every approved scope with what it implies, each with its tools and their digests', () => {
    const recorded = recordCoveredTools(['notes:write'], before);
    assert.deepEqual(Object.keys(recorded), ['notes:read', 'notes:write']);
    assert.deepEqual(recorded['notes:write'].tools, { notes_create: 'notes_create-v1' });
    assert.deepEqual(recorded['notes:read'].tools, { notes_list: 'list-v1' });
    assert.equal(recorded['notes:write'].digest, before.scopeToolsDigest('notes:write'));
  });

  it('unchanged scopes: every tool is covered (the digest fast path)', () => {
    const recorded = approvedOn(before, ['notes:write', 'profile:read']);
    const digest = (s: string) => before.scopeToolsDigest(s);
    for (const t of [list, create, whoami])
      assert.equal(toolCovered(recorded, t, digest, strict), true, t.name);
    assert.deepEqual(
      uncoveredTools(recorded, ['notes:write', 'profile:read'], ['notes:write'], before, strict),
      [],
    );
  });

  it('a tool added under an approved scope is not covered; the tools that were there still are', () => {
    const recorded = approvedOn(before, ['notes:write']);
    const after = fakeScopeRegistry([list, create, whoami, purge]);
    const digest = (s: string) => after.scopeToolsDigest(s);
    assert.equal(toolCovered(recorded, purge, digest, strict), false);
    assert.equal(toolCovered(recorded, create, digest, strict), true, 'its own entry, past the fast path');
    assert.equal(toolCovered(recorded, list, digest, strict), true, 'notes:read did not change');
    assert.deepEqual(
      uncoveredTools(recorded, ['notes:write'], ['notes:write'], after, strict).map((t) => t.name),
      ['notes_purge'],
    );
  });

  it('a changed declaration is not covered', () => {
    const recorded = approvedOn(before, ['notes:write']);
    const changed = tool('notes_create', ['notes:write'], 'notes_create-v2');
    const after = fakeScopeRegistry([list, changed, whoami]);
    assert.equal(
      toolCovered(recorded, changed, (s) => after.scopeToolsDigest(s), strict),
      false,
    );
    assert.deepEqual(
      uncoveredTools(recorded, ['notes:write'], ['notes:write'], after, strict).map((t) => t.digest),
      ['notes_create-v2'],
    );
  });

  it('read-only tools are exempt only when the setting says so (EXT-RC-04)', () => {
    const recorded = approvedOn(before, ['notes:read']);
    const after = fakeScopeRegistry([list, create, whoami, search]);
    const digest = (s: string) => after.scopeToolsDigest(s);
    assert.equal(toolCovered(recorded, search, digest, strict), false);
    const lenient: CoverageRules = { exemptReadOnly: true, baseline: nothingOld };
    assert.equal(toolCovered(recorded, search, digest, lenient), true);
    assert.deepEqual(uncoveredTools(recorded, ['notes:read'], ['notes:read'], after, lenient), []);
    const purgeAfter = fakeScopeRegistry([list, create, whoami, purge]);
    assert.equal(
      toolCovered(recorded, purge, (s) => purgeAfter.scopeToolsDigest(s), lenient),
      false,
    );
  });

  it('recorded before records existed (null, or a scope without an entry): the baseline declarations (EXT-RC-05)', () => {
    const after = fakeScopeRegistry([list, create, whoami, purge]);
    const digest = (s: string) => after.scopeToolsDigest(s);
    const baseline = {
      has: (name: string, d: string) => [list, create, whoami].some((t) => t.name === name && t.digest === d),
    };
    const rules: CoverageRules = { exemptReadOnly: false, baseline };
    assert.equal(toolCovered(null, create, digest, rules), true);
    assert.equal(toolCovered(null, purge, digest, rules), false);
    assert.equal(toolCovered(null, tool('notes_create', ['notes:write'], 'v2'), digest, rules), false);
    assert.equal(toolCovered({}, create, digest, rules), true, 'no entry for the scope');
    assert.deepEqual(
      uncoveredTools(null, ['notes:write'], ['notes:write'], after, rules).map((t) => t.name),
      ['notes_purge'],
    );
  });

  it('a tool needing several scopes is covered when it was approved under any of them', () => {
    const share = tool('notes_share', ['notes:read', 'profile:read']);
    const withShare = fakeScopeRegistry([list, create, whoami, share]);
    const recorded = approvedOn(withShare, ['notes:read']);
    const grew = fakeScopeRegistry([list, create, whoami, share, purge]);
    const merged = { ...recorded, ...approvedOn(before, ['profile:read']) };
    assert.equal(
      toolCovered(merged, share, (s) => grew.scopeToolsDigest(s), strict),
      true,
    );
  });

  it('only scopes approved before count, and only tools the requested scopes reach', () => {
    const recorded = approvedOn(before, ['notes:read']);
    const share = tool('notes_share', ['notes:read', 'profile:read']);
    const after = fakeScopeRegistry([list, create, whoami, purge, share, search]);
    // notes:write is new in this request: its tools are news of the scope itself, not of a tool.
    assert.deepEqual(
      uncoveredTools(recorded, ['notes:read'], ['notes:write'], after, strict).map((t) => t.name),
      ['notes_search'],
    );
    // notes_share needs profile:read as well, which this request does not reach.
    assert.deepEqual(
      uncoveredTools(recorded, ['notes:read'], ['notes:read'], after, strict).map((t) => t.name),
      ['notes_search'],
    );
    assert.deepEqual(
      uncoveredTools(recorded, ['notes:read'], ['notes:read', 'profile:read'], after, strict).map(
        (t) => t.name,
      ),
      ['notes_search', 'notes_share'],
    );
  });
});
