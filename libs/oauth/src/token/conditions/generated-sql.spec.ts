// The token endpoint's single statements, as generated from token/conditions, are committed in
// generated.sql beside this file, so a change to a condition shows as an SQL diff in review (AS-RT-03,
// AS-PK-09). `node dist/libs/oauth/src/token/conditions/generated-sql.spec.js --write` rewrites it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDEEM_CODE_AND_ISSUE } from '../../repositories/code.repository';
import { LIVE_REFRESH_GRANT_SCOPES, ROTATE_REFRESH_TOKEN } from '../../repositories/refresh-token.repository';
import { CODE_REDEMPTION_CONDITIONS } from './code-conditions';
import { REFRESH_ROTATION_CONDITIONS } from './refresh-conditions';

const ROOT = join(__dirname, '..', '..', '..', '..', '..', '..');
const GENERATED = join(ROOT, 'libs', 'oauth', 'src', 'token', 'conditions', 'generated.sql');

const STATEMENTS: [string, string][] = [
  ['oauth_redeem_code_and_issue (CodeRepository.redeemCodeAndIssue)', REDEEM_CODE_AND_ISSUE],
  ['oauth_rotate_refresh_token (RefreshTokenRepository.rotateRefreshToken)', ROTATE_REFRESH_TOKEN],
  ['RefreshTokenRepository.liveRefreshGrantScopes', LIVE_REFRESH_GRANT_SCOPES],
];

function render(): string {
  const header = [
    '-- Generated from libs/oauth/src/token/conditions (do not edit): the token endpoint statements whose',
    '-- WHERE is built from the condition lists. Rewrite with',
    '--   npm run build && node dist/libs/oauth/src/token/conditions/generated-sql.spec.js --write',
  ].join('\n');
  const blocks = STATEMENTS.map(([name, sql]) => `-- ${name}\n${sql.replace(/[ \t]+$/gm, '')}\n;\n`);
  return `${header}\n\n${blocks.join('\n')}`;
}

if (process.argv.includes('--write')) writeFileSync(GENERATED, render());

describe('generated token SQL', () => {
  it('generated.sql is what the conditions generate (rewrite it with --write)', () => {
    assert.equal(readFileSync(GENERATED, 'utf8'), render());
  });

  it('every condition appears in its statements, once each', () => {
    for (const c of CODE_REDEMPTION_CONDITIONS) {
      assert.equal(REDEEM_CODE_AND_ISSUE.split(`-- ${c.name}\n`).length, 2, c.name);
    }
    for (const c of REFRESH_ROTATION_CONDITIONS) {
      assert.equal(ROTATE_REFRESH_TOKEN.split(`-- ${c.name}\n`).length, 2, c.name);
      assert.equal(`${LIVE_REFRESH_GRANT_SCOPES}\n`.split(`-- ${c.name}\n`).length, 2, c.name);
    }
  });
});
