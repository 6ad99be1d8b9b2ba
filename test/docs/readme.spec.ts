// Checks that the README stays a true front door: at most 12 KB, the two newcomer commands exist as
// written, every setting it names is one the config schema validates, its layout lists the real
// libraries, and every relative link of the README and docs/ lands on an existing file and heading.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { CoreEnvironment } from '@app/config';
import { ENVIRONMENT_VARIABLE_NAMES } from '../../apps/server/src/config-slices';
import { brokenLinks, documentationFiles, prose, ROOT } from './markdown';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/**
 * Documents written on other branches at the same time as the README links to them. Once they are
 * merged this list must be empty: a link to a missing file then fails like any other.
 */
/** Variables read outside the app (by the test runner), which the README may name. */
const TOOLING_VARIABLES = ['TEST_DATABASE_URL'];

describe('README', () => {
  it('is a front door of at most 12 KB', () => {
    assert.ok(Buffer.byteLength(readme) <= 12 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
  });

  it('names the two newcomer commands, and both scripts exist', () => {
    assert.match(readme, /npm ci && npm start/);
    assert.match(readme, /npm ci && npm test/);
    assert.match(scripts.start, /apps\/server\/src\/main\.js/, 'npm start runs the server');
    assert.match(scripts.test, /scripts\/test\.mjs/, 'npm test runs the test runner');
    assert.ok(existsSync(join(ROOT, 'scripts', 'test.mjs')));
  });

  it('npm start needs no database setting: DATABASE_URL is optional (unset = the embedded database)', () => {
    const optional = getMetadataStorage()
      .getTargetValidationMetadatas(CoreEnvironment, '', true, false)
      .filter((m) => m.name === 'isOptional' || m.type === 'conditionalValidation')
      .map((m) => m.propertyName);
    assert.ok(optional.includes('DATABASE_URL'));
    assert.match(readme, /without `DATABASE_URL` it starts a real\s+PostgreSQL/);
  });

  it('lists every library in its layout, and no library that does not exist', () => {
    const libs = readdirSync(join(ROOT, 'libs'));
    const layout = /^## Layout\n([\s\S]*?)^## /m.exec(readme)![1];
    const listed = [...layout.matchAll(/^libs\/([a-z*-]+)\/ /gm)].map((m) => m[1]);
    const covers = (entry: string, name: string) =>
      new RegExp(`^${entry.replace('*', '[a-z-]+')}$`).test(name);
    assert.deepEqual(
      listed.filter((entry) => !libs.some((name) => covers(entry, name))),
      [],
      'the layout lists a library that does not exist',
    );
    assert.deepEqual(
      libs.filter((name) => !listed.some((entry) => covers(entry, name))),
      [],
      'the layout misses a library',
    );
  });
});

/**
 * The front door and the reference pages written for it. The guide is left out on purpose: it names a
 * planned setting and a worked example's settings that do not exist yet.
 */
const REFERENCE_PAGES = [
  'README.md',
  'docs/architecture.md',
  'docs/deploy.md',
  'docs/endpoints.md',
  'docs/performance.md',
  'docs/requirements.md',
  'docs/sign-in.md',
  'docs/tools.md',
];

describe('settings and symbols named by the README and the reference pages', () => {
  const code = [...sourcesOf(join(ROOT, 'libs')), ...sourcesOf(join(ROOT, 'apps'))]
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const known = (name: string) =>
    ENVIRONMENT_VARIABLE_NAMES.includes(name) ||
    TOOLING_VARIABLES.includes(name) ||
    new RegExp(`export const ${name}\\b`).test(code);

  for (const page of REFERENCE_PAGES) {
    it(`${page}: every UPPER_CASE name is a validated setting or an exported symbol`, () => {
      const md = readFileSync(join(ROOT, page), 'utf8');
      const named = new Set(
        [...prose(md).matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g)].map((m) => m[1]),
      );
      assert.deepEqual(
        [...named].filter((name) => !known(name)),
        [],
        'a setting the schema does not validate, or a symbol no library exports',
      );
    });
  }

  it('the README names the settings a deployment needs, and an unknown name is caught', () => {
    assert.equal(known('NO_SUCH_SETTING'), false);
    assert.equal(known('SESSION_SECRET') && known('SCOPE_GRANT_POLICY'), true);
    for (const name of [
      'NODE_ENV',
      'PUBLIC_URL',
      'DATABASE_URL',
      'SESSION_SECRET',
      'OIDC_ISSUER',
      'TRUST_PROXY',
    ]) {
      assert.match(readme, new RegExp(`\`${name}[=\`]`), name);
    }
  });
});

describe('links of the README and docs/', () => {
  for (const file of documentationFiles()) {
    it(`${file}: every relative link lands on an existing file and heading`, () => {
      assert.deepEqual(brokenLinks(file), []);
    });
  }

  it('finds a missing file and a missing heading, and accepts a good link', () => {
    const md = '[a](nope.md) [b](operations.md#no-such-heading) [c](operations.md#configuration-reference)';
    assert.deepEqual(
      brokenLinks('docs/example.md', md).map((b) => b.link),
      ['nope.md', 'operations.md#no-such-heading'],
    );
  });
});

function sourcesOf(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourcesOf(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}
