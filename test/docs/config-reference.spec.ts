// Checks the configuration reference of docs/operations.md, the only table of settings: it is generated
// from the config slices (each variable's rule and meaning live together in its library's slice), so it
// cannot drift; the block is exactly what `npm run docs:config` writes, every variable has a meaning, and
// the checks do fail for an undocumented variable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALL_CONFIG_SLICES, ENVIRONMENT_VARIABLE_NAMES } from '../../apps/server/src/config-slices';
import {
  currentBlock,
  OPERATIONS_MD,
  renderConfigReference,
  schemaProperties,
  undocumentedVariables,
  variablesWithoutMeaning,
} from './config-reference';

const doc = readFileSync(OPERATIONS_MD, 'utf8');

describe('docs/operations.md configuration reference', () => {
  it('documents every variable of the slices', () => {
    assert.deepEqual(
      undocumentedVariables(doc),
      [],
      'run `npm run docs:config` and commit docs/operations.md',
    );
  });

  it('gives every variable a meaning, written in its slice', () => {
    assert.deepEqual(variablesWithoutMeaning(), []);
  });

  it('is exactly the generated block (run `npm run docs:config` after changing a config slice)', async () => {
    assert.equal(currentBlock(doc), await renderConfigReference());
  });

  it("each slice's schema validates exactly the variables it documents", () => {
    for (const slice of ALL_CONFIG_SLICES) {
      assert.deepEqual(
        schemaProperties(slice).sort(),
        Object.keys(slice.variables).sort(),
        slice.schema.name,
      );
    }
  });

  it('no variable belongs to two slices', () => {
    assert.equal(new Set(ENVIRONMENT_VARIABLE_NAMES).size, ENVIRONMENT_VARIABLE_NAMES.length);
  });

  it('fails for a variable missing from the document, or a blank meaning', () => {
    const block = currentBlock(doc)!;
    const withoutPort = doc.replace(block, block.replace(/^\| `PORT` .*\n/m, ''));
    assert.deepEqual(undocumentedVariables(withoutPort), ['PORT']);
    assert.deepEqual(undocumentedVariables('no block at all').length, ENVIRONMENT_VARIABLE_NAMES.length);
    const [core] = ALL_CONFIG_SLICES;
    const blank = { ...core, variables: { ...core.variables, PORT: { meaning: ' ', default: '' } } };
    assert.deepEqual(variablesWithoutMeaning([blank]), ['PORT']);
  });
});
