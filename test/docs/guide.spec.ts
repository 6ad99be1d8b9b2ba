// Checks that the README and every document in docs/ stay true to the code: every repository path they
// name in inline code exists, and every port or token named in the guide's Mermaid diagrams is a symbol
// that a library really exports. The curl walkthrough itself runs in test/e2e/guide-walkthrough.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_VARIABLE_NAMES } from '../../apps/server/src/config-slices';
import { documentationFiles, prose, ROOT } from './markdown';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Paths a reader or a run creates: the tool tutorial's clock module, the benchmark's results. */
const EXAMPLE_PATH = /^(libs\/tools-clock\/|bench\/results\/?$)/;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}

describe('docs name real things', () => {
  for (const doc of documentationFiles()) {
    it(`${doc}: every repository path in inline code exists`, () => {
      const paths = new Set<string>();
      for (const m of prose(read(doc)).matchAll(
        /`((?:apps|libs|test|docs|charts|scripts|bench)\/[^`\s<>*]+)`/g,
      )) {
        paths.add(m[1].replace(/[.,:]$/, ''));
      }
      assert.deepEqual(
        [...paths].filter((p) => !EXAMPLE_PATH.test(p) && !existsSync(join(ROOT, p))),
        [],
      );
    });
  }

  it('the guide, the operations guide and the architecture name paths (the check above has work to do)', () => {
    for (const doc of ['docs/guide.md', 'docs/operations.md', 'docs/architecture.md']) {
      assert.ok((prose(read(doc)).match(/`(?:apps|libs|test)\//g) ?? []).length > 5, doc);
    }
  });

  it('docs/guide.md: every port named in a diagram is an exported symbol of a library (or a setting)', () => {
    const diagrams = [...read('docs/guide.md').matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    assert.ok(diagrams.length >= 3, 'sequence, flow chart and component diagrams');
    const names = new Set(
      diagrams.flatMap((d) => [...d.matchAll(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/g)].map((m) => m[1])),
    );
    assert.ok(names.has('SIGNED_IN_USER_RESOLVER'));
    const code = sources(join(ROOT, 'libs'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    assert.deepEqual(
      [...names].filter(
        (n) => !ENVIRONMENT_VARIABLE_NAMES.includes(n) && !new RegExp(`export const ${n}\\b`).test(code),
      ),
      [],
    );
  });
});
