// `npm run test:conformance`: runs the official MCP conformance suite against the real server, driven
// headlessly by test/conformance/*.conformance-spec.ts: the authorization-server scenarios, and the
// `server` scenarios for `--requirements 2026-07-28` and for 2025-11-25 (with a real token).
// The suite needs Node >= 22; both it and a Node 22 binary come from the npm registry into
// .cache/conformance (gitignored), pinned here, installed once.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const NODE_VERSION = '22.23.3';
const CONFORMANCE_VERSION = '0.2.0-alpha.12';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, '.cache', 'conformance');
const node = join(dir, 'node_modules', 'node', 'bin', 'node');
const cli = join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

function installed() {
  if (!existsSync(node) || !existsSync(cli)) return false;
  try {
    const v = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const c = execFileSync(node, [cli, '--version'], { encoding: 'utf8' }).trim();
    return v === `v${NODE_VERSION}` && c === CONFORMANCE_VERSION;
  } catch {
    return false;
  }
}

if (!installed()) {
  console.log(
    `# installing node@${NODE_VERSION} and @modelcontextprotocol/conformance@${CONFORMANCE_VERSION} into .cache/conformance`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'conformance-tools', private: true }) + '\n',
  );
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-save',
      `node@${NODE_VERSION}`,
      `@modelcontextprotocol/conformance@${CONFORMANCE_VERSION}`,
    ],
    { cwd: dir, stdio: 'inherit' },
  );
  if (!installed()) {
    console.error('conformance tools did not install correctly');
    process.exit(1);
  }
}

const result = spawnSync(process.execPath, [join(root, 'scripts', 'test.mjs'), '--conformance'], {
  stdio: 'inherit',
  env: { ...process.env, CONFORMANCE_NODE: node, CONFORMANCE_CLI: cli },
});
process.exit(result.status ?? 1);
