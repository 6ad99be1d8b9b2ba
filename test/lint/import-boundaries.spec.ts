// Checks that `npm run lint` refuses a forbidden arrow between libraries (docs/architecture.md,
// "Dependency rules"): it runs the project's own ESLint configuration on deliberate breaches, each
// linted as if it were a file of the library named, and expects the boundary rule to report it; a
// legal import must pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..', '..');
const RULE = 'arch/lib-boundaries';

// Existing files, so the type-aware configuration finds them in the project; only their text is replaced.
const FILES = {
  toolsNotes: 'libs/tools-notes/src/index.ts',
  oauth: 'libs/oauth/src/index.ts',
  oauthDeep: 'libs/oauth/src/token/token-endpoint.ts',
  config: 'libs/config/src/index.ts',
  audit: 'libs/audit/src/index.ts',
  identity: 'libs/identity/src/index.ts',
  errors: 'libs/errors/src/index.ts',
} as const;

const eslint = new ESLint({ cwd: ROOT });

async function boundaryMessages(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  assert.ok(result, 'ESLint returned no result');
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], 'the snippet must parse');
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

async function refused(code: string, file: string, expected: RegExp): Promise<void> {
  const messages = await boundaryMessages(code, file);
  assert.equal(messages.length, 1, `expected one ${RULE} report for ${file}: ${code}`);
  assert.match(messages[0] ?? '', expected);
}

describe('lint: dependency rules between libraries', () => {
  it('refuses a tool library importing anything but @app/mcp', async () => {
    await refused(
      "export { UserRepository } from '@app/identity';\n",
      FILES.toolsNotes,
      /libs\/tools-notes may not import @app\/identity: a tool library imports only @app\/mcp/,
    );
    await refused(
      "import { AuditLog } from '@app/audit';\nexport const a = AuditLog;\n",
      FILES.toolsNotes,
      /may not import @app\/audit/,
    );
  });

  it('refuses oauth importing mcp, identity or account', async () => {
    for (const lib of ['mcp', 'identity', 'account']) {
      await refused(
        `export * from '@app/${lib}';\n`,
        FILES.oauth,
        new RegExp(`libs/oauth may not import @app/${lib}`),
      );
    }
  });

  it('refuses errors importing any library, so that every library may import it', async () => {
    for (const lib of ['config', 'persistence', 'web']) {
      await refused(
        `export * from '@app/${lib}';\n`,
        FILES.errors,
        new RegExp(`libs/errors may not import @app/${lib}: errors holds the base every library`),
      );
    }
  });

  it('refuses config, persistence or audit importing a domain library', async () => {
    await refused("export * from '@app/oauth';\n", FILES.config, /libs\/config may not import @app\/oauth/);
    await refused(
      "export * from '@app/tools-account';\n",
      FILES.audit,
      /libs\/audit may not import @app\/tools-account/,
    );
  });

  it('refuses a library importing apps/, by a relative path or a bare one', async () => {
    await refused(
      "export * from '../../../apps/server/src/app.module';\n",
      FILES.identity,
      /libraries never import apps\//,
    );
    await refused("export * from 'apps/server/src/app.module';\n", FILES.identity, /never import apps\//);
  });

  it("refuses a deep import into another library's files", async () => {
    await refused(
      "export * from '@app/audit/src/audit-log';\n",
      FILES.oauth,
      /through its index, not @app\/audit\/src\/audit-log/,
    );
    await refused("export * from '../../../audit/src/audit-log';\n", FILES.oauthDeep, /leaves libs\/oauth/);
  });

  it('accepts the legal arrows and imports inside a library', async () => {
    assert.deepEqual(await boundaryMessages("export * from '@app/mcp';\n", FILES.toolsNotes), []);
    assert.deepEqual(
      await boundaryMessages("export * from '@app/audit';\nexport * from './oauth.module';\n", FILES.oauth),
      [],
    );
    assert.deepEqual(await boundaryMessages("export * from '../common/pkce';\n", FILES.oauthDeep), []);
  });
});
