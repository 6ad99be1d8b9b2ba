// Checks scripts/helm.mjs, where the chart tests get the real helm: the binary it installs is helm v4.1.4
// with the pinned SHA-256, and a binary whose digest differs from the expected one is refused and not
// installed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, helmBinary } from './render';

interface HelmScript {
  HELM_SHA256: string;
  ensureHelm(options?: { expectedSha256?: string; dir?: string }): string;
}
const script = createRequire(__filename)(join(ROOT, 'scripts', 'helm.mjs')) as HelmScript;

describe('scripts/helm.mjs: the pinned helm binary', () => {
  it('installs helm v4.1.4 whose SHA-256 is the pinned one', () => {
    const path = helmBinary();
    assert.equal(script.HELM_SHA256, '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9');
    assert.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), script.HELM_SHA256);
    assert.match(execFileSync(path, ['version', '--short'], { encoding: 'utf8' }), /^v4\.1\.4\+/);
  });

  it('refuses a binary whose digest is not the expected one, and installs nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'helm-pin-'));
    try {
      assert.throws(
        () => script.ensureHelm({ expectedSha256: '0'.repeat(64), dir }),
        /has SHA-256 210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9, expected 0{64}; refusing it/,
      );
      assert.equal(existsSync(join(dir, 'helm')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
