// Checks issue #10 (docs/operations.md: the configuration reference is generated from the config
// schema, so it cannot drift): the block is exactly what `npm run docs:config` writes, every variable
// of the schema has a row, and the check does fail for an undocumented variable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getMetadataStorage } from 'class-validator';
import { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables } from '@app/config';
import {
  currentBlock,
  OPERATIONS_MD,
  readmeRows,
  renderConfigReference,
  undocumentedVariables,
} from './config-reference';

const doc = readFileSync(OPERATIONS_MD, 'utf8');

describe('docs/operations.md configuration reference', () => {
  it('documents every variable of the schema', () => {
    assert.deepEqual(
      undocumentedVariables(doc),
      [],
      'run `npm run docs:config` and commit docs/operations.md',
    );
  });

  it('is exactly the generated block (run `npm run docs:config` after changing libs/config or the README table)', async () => {
    assert.equal(currentBlock(doc), await renderConfigReference());
  });

  it('the schema and ENVIRONMENT_VARIABLE_NAMES list the same variables', () => {
    const validated = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
        .map((m) => m.propertyName),
    );
    assert.deepEqual([...validated].sort(), [...ENVIRONMENT_VARIABLE_NAMES].sort());
  });

  it('fails for a variable missing from the document', () => {
    const block = currentBlock(doc)!;
    const withoutPort = doc.replace(block, block.replace(/^\| `PORT` .*\n/m, ''));
    assert.deepEqual(undocumentedVariables(withoutPort), ['PORT']);
    assert.deepEqual(undocumentedVariables('no block at all').length, ENVIRONMENT_VARIABLE_NAMES.length);
  });

  it('takes meaning and default from the README table', () => {
    const rows = readmeRows('## Configuration\n\n| `A_B`, `C` | the meaning | `1` |\n\n## Next\n');
    assert.deepEqual(rows.get('C'), { meaning: 'the meaning', default: '`1`' });
  });
});
