// The house rule "no production file over 300 lines" (docs/architecture.md C14): every .ts file
// under apps/ and libs/ except tests (*.spec.ts, *.int-spec.ts, *.e2e-spec.ts) has at most 300 lines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const MAX_LINES = 300;

const isTest = (name: string) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(name);

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : productionFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTest(entry.name) ? [path] : [];
  });
}

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

describe('file size', () => {
  it(`no production .ts file under apps/ or libs/ is over ${MAX_LINES} lines`, () => {
    const offenders = ['apps', 'libs']
      .flatMap((dir) => productionFiles(join(ROOT, dir)))
      .map((path) => ({ file: relative(ROOT, path).split('\\').join('/'), lines: 0, path }))
      .map((f) => ({ ...f, lines: lineCount(readFileSync(f.path, 'utf8')) }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file} (${f.lines} lines)`);
    assert.deepEqual(offenders, [], `split these along the rules they hold:\n${offenders.join('\n')}`);
  });
});
