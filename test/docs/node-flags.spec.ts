// Checks: the server runs with the same V8 flags wherever it is started (npm start, npm run
// start:prod, the Dockerfile's CMD; the benchmark runs start:prod, the process tests import SERVER_NODE_FLAGS).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_NODE_FLAGS } from '../../apps/server/src/node-flags';

const root = join(__dirname, '../../..');

describe('server V8 flags (SERVER_NODE_FLAGS)', () => {
  it('npm start and npm run start:prod run node with exactly these flags', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const name of ['start', 'start:prod']) {
      const run = /(?:^| )node (.*) dist\/apps\/server\/src\/main\.js$/.exec(scripts[name]);
      assert.ok(run, `${name} runs the server with node: ${scripts[name]}`);
      assert.deepEqual(run[1].split(' '), SERVER_NODE_FLAGS, name);
    }
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
