// Checks that the README's configuration table documents every environment variable the app validates
// (libs/config), so the reference cannot silently fall behind the schema.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_VARIABLE_NAMES } from '@app/config';

const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('documents every configuration variable in the configuration table', () => {
    const table = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5),
    );
    const rows = table.split('\n').filter((l) => l.startsWith('| `'));
    const documented = new Set(
      rows.flatMap((row) => [...row.split('|')[1].matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1])),
    );
    assert.deepEqual(
      ENVIRONMENT_VARIABLE_NAMES.filter((name) => !documented.has(name)),
      [],
      'add a row for each of these to the README configuration table',
    );
  });

  it('names the two newcomer commands', () => {
    assert.match(readme, /npm ci && npm start/);
    assert.match(readme, /npm ci && npm test/);
  });
});
