import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsIn, IsOptional } from 'class-validator';
import { ConfigValidationError, loadConfig } from './app-config';
import { defineConfigSlice } from './slice';

function problemsOf(env: Record<string, string | undefined>, slices = [FRUIT]): readonly string[] {
  try {
    loadConfig(env, slices);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

/** A library's slice as a test fixture: one variable, a production refusal, settings under `providers`. */
class FruitEnvironment {
  @IsOptional()
  @IsIn(['apple', 'pear'], { message: 'FRUIT must be apple or pear' })
  FRUIT?: string;
}
const FRUIT = defineConfigSlice({
  schema: FruitEnvironment,
  variables: { FRUIT: { meaning: 'the fruit', default: '`apple`' } },
  check: (env, core) =>
    core.isProduction && env.FRUIT === 'pear' ? ['FRUIT=pear is refused in production'] : [],
  map: (env, core) => ({ fruit: `${env.FRUIT ?? 'apple'}@${core.publicUrl}`, providers: { fruit: true } }),
});

describe('loadConfig (libs/config: the core slice and the loader)', () => {
  it('gives the documented core defaults for an empty environment', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.publicUrl, 'http://localhost:3000');
    assert.equal(c.issuer, 'http://localhost:3000');
    assert.equal(c.mcpResource, 'http://localhost:3000/mcp');
    assert.equal(c.adminResource, 'http://localhost:3000/api/admin');
    assert.equal(c.database.url, undefined);
    assert.equal(c.database.migrateOnStart, true);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.sessionSecretIsEphemeral, true);
    assert.deepEqual(c.providers, {});
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.database));
  });

  it("validates, checks and maps a library's slice with the core facts", () => {
    const c = loadConfig({ FRUIT: ' pear ', PUBLIC_URL: 'https://x.example/' }, [FRUIT]) as unknown as {
      fruit: string;
      providers: Record<string, unknown>;
    };
    assert.equal(c.fruit, 'pear@https://x.example');
    assert.deepEqual(c.providers, { fruit: true });
    assert.deepEqual(problemsOf({ FRUIT: 'plum' }), ['FRUIT must be apple or pear']);
    assert.deepEqual(problemsOf({ NODE_ENV: 'production', FRUIT: 'pear' }), [
      'SESSION_SECRET is required when NODE_ENV=production; set it to a random value of 32+ characters (openssl rand -base64 48)',
      'DATABASE_URL is required when NODE_ENV=production; set it to your PostgreSQL, such as postgres://user:pass@host:5432/db (the embedded database is for development only)',
      'PUBLIC_URL must be an https:// URL when NODE_ENV=production (OAuth 2.1 requires TLS; MCP GEN-04)',
      'FRUIT=pear is refused in production',
    ]);
  });

  it('lists every problem at once, core and slices', () => {
    assert.equal(problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', FRUIT: 'plum' }).length, 3);
  });

  it('ignores the variables of slices it was not given', () => {
    assert.equal(Object.hasOwn(loadConfig({ FRUIT: 'plum' }), 'fruit'), false);
  });
});
