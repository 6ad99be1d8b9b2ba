// Checks the configuration reference of docs/operations.md, the only table of settings: its rules column
// is generated from the config schema, so it cannot drift; the block is exactly what `npm run docs:config`
// writes, every variable of the schema has a row with a hand-written meaning, and the checks do fail for
// an undocumented variable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getMetadataStorage } from 'class-validator';
import { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables } from '@app/config';
import {
  BEGIN,
  currentBlock,
  handWrittenRows,
  OPERATIONS_MD,
  PLACEHOLDER,
  renderConfigReference,
  undocumentedVariables,
  variablesWithoutMeaning,
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

  it('gives every variable a meaning written by hand', () => {
    assert.deepEqual(
      variablesWithoutMeaning(doc),
      [],
      'write the meaning and default of these rows in docs/operations.md',
    );
  });

  it('is exactly the generated block (run `npm run docs:config` after changing libs/config)', async () => {
    assert.equal(currentBlock(doc), await renderConfigReference(doc));
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

  it('keeps the hand-written meaning and default of each row, and gives a new variable a placeholder', async () => {
    const block = currentBlock(doc)!;
    const edited = doc.replace(
      block,
      block.replace(/^\| `PORT` +\| [^|]*\|/m, '| `PORT` | the port, edited by hand |'),
    );
    assert.deepEqual(handWrittenRows(edited).get('PORT'), {
      meaning: 'the port, edited by hand',
      default: '`3000`',
    });
    const rendered = await renderConfigReference(edited);
    assert.match(rendered, /^\| `PORT` +\| the port, edited by hand +\| `3000` +\|/m);

    const withoutPort = doc.replace(block, block.replace(/^\| `PORT` .*\n/m, ''));
    const regenerated = await renderConfigReference(withoutPort);
    assert.ok(regenerated.startsWith(BEGIN));
    assert.deepEqual(variablesWithoutMeaning(withoutPort.replace(currentBlock(withoutPort)!, regenerated)), [
      'PORT',
    ]);
    assert.match(regenerated, new RegExp(`^\\| \`PORT\` +\\| ${PLACEHOLDER.replace(/\*/g, '\\*')}`, 'm'));
  });
});
