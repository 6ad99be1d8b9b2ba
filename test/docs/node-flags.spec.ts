// Checks issue #7: the server runs with the same V8 flags wherever it is started (npm start, the
// Dockerfile's CMD; the benchmark and the process tests import SERVER_NODE_FLAGS).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_NODE_FLAGS } from '../../apps/server/src/node-flags';

const root = join(__dirname, '../../..');

describe('server V8 flags (SERVER_NODE_FLAGS)', () => {
  it('npm start runs node with exactly these flags', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    assert.match(scripts.start, / node (.*) dist\/apps\/server\/src\/main\.js$/);
    const flags = / node (.*) dist\/apps\/server\/src\/main\.js$/.exec(scripts.start)![1].split(' ');
    assert.deepEqual(flags, SERVER_NODE_FLAGS);
  });

  it("the Dockerfile's CMD runs node with exactly these flags", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    assert.ok(cmd, 'a CMD line in exec form');
    assert.deepEqual(JSON.parse(cmd), ['node', ...SERVER_NODE_FLAGS, 'dist/apps/server/src/main.js']);
  });

  it('this node accepts every flag (an unknown one is "bad option" and exit 9)', () => {
    const run = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, '-e', 'process.exit(0)'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
  });
});
