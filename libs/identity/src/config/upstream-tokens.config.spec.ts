// UPSTREAM_TOKEN_KEY and its rollover partner (UP-12): 32 bytes in hex or base64, refused otherwise
// with a message naming the variable and how to generate one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError, loadConfig } from '@app/config';
import { UPSTREAM_TOKEN_CONFIG } from './upstream-tokens.config';

const load = (env: Record<string, string>) => loadConfig(env, [UPSTREAM_TOKEN_CONFIG]);
const problemsOf = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error.problems.join('\n');
  }
  assert.fail('expected the configuration to be refused');
};

describe('UPSTREAM_TOKEN_CONFIG', () => {
  it('reads both keys as hex, from hex or base64; the previous one only when it differs', () => {
    const hex = 'ab'.repeat(32);
    const b64 = Buffer.alloc(32, 7).toString('base64');
    assert.deepEqual(
      load({ UPSTREAM_TOKEN_KEY: hex.toUpperCase(), UPSTREAM_TOKEN_KEY_PREVIOUS: b64 }).upstreamTokenKeys,
      {
        current: hex,
        previous: ['07'.repeat(32)],
      },
    );
    assert.deepEqual(load({}).upstreamTokenKeys, { current: undefined, previous: [] });
    assert.deepEqual(load({ UPSTREAM_TOKEN_KEY: hex, UPSTREAM_TOKEN_KEY_PREVIOUS: hex }).upstreamTokenKeys, {
      current: hex,
      previous: [],
    });
  });

  it('refuses a key that is not 32 bytes, and a previous key without a current one', () => {
    for (const bad of ['short', 'ab'.repeat(31), Buffer.alloc(16).toString('base64')]) {
      assert.match(
        problemsOf({ UPSTREAM_TOKEN_KEY: bad }),
        /UPSTREAM_TOKEN_KEY must be 32 random bytes .* `openssl rand -base64 32`/,
      );
    }
    assert.match(
      problemsOf({ UPSTREAM_TOKEN_KEY_PREVIOUS: 'ab'.repeat(32) }),
      /UPSTREAM_TOKEN_KEY_PREVIOUS needs UPSTREAM_TOKEN_KEY/,
    );
  });
});
