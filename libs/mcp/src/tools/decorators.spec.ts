// Decorator misuse fails when the class is declared, with a message naming the method (docs/architecture.md C7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { McpDeclarationError, McpScopes, McpTool, RequireScopes } from './decorators';

const input = z.object({});
const declare = (fn: () => unknown) => fn;

describe('@McpTool', () => {
  it('rejects a bad tool name', () => {
    for (const name of ['', 'has space', 'ü', 'x'.repeat(129), 'semi;colon']) {
      assert.throws(
        declare(() => {
          class T {
            @McpTool({ name, description: 'd', input })
            m() {
              return '';
            }
          }
          return T;
        }),
        (e: unknown) => e instanceof McpDeclarationError && /T\.m: name .* is invalid/.test(e.message),
        `name ${JSON.stringify(name)}`,
      );
    }
  });

  it('requiresPerson must be a boolean (EXT-CC-06), and is stored', () => {
    assert.throws(
      declare(() => {
        class T {
          @McpTool({ name: 'p', description: 'd', input, requiresPerson: 'yes' as unknown as boolean })
          m() {
            return '';
          }
        }
        return T;
      }),
      (e: unknown) =>
        e instanceof McpDeclarationError &&
        /T\.m: requiresPerson, when given, must be true or false/.test(e.message),
    );
  });

  it('accepts the MCP name alphabet (A-Z a-z 0-9 _ - .) up to 128 characters', () => {
    class T {
      @McpTool({ name: 'a.B-c_9'.padEnd(128, 'x'), description: 'd', input })
      m() {
        return '';
      }
    }
    assert.ok(T);
  });

  it('rejects a missing or blank description', () => {
    for (const description of [undefined, '', '   ']) {
      assert.throws(() => {
        class T {
          @McpTool({ name: 'ok', description: description as unknown as string, input })
          m() {
            return '';
          }
        }
        return T;
      }, /@McpTool on T\.m: description is required/);
    }
  });

  it('rejects an input that is not a zod object schema', () => {
    assert.throws(() => {
      class T {
        @McpTool({ name: 'ok', description: 'd', input: z.string() as unknown as z.ZodObject })
        m() {
          return '';
        }
      }
      return T;
    }, /input must be a zod object schema/);
  });

  it('rejects an output that is not a zod schema and a listed schema that is not an object schema', () => {
    assert.throws(() => {
      class T {
        @McpTool({ name: 'ok', description: 'd', input, output: { type: 'object' } as unknown as z.ZodType })
        m() {
          return '';
        }
      }
      return T;
    }, /@McpTool on T\.m: output, when given, must be a zod schema/);
    assert.throws(() => {
      class T {
        @McpTool({
          name: 'ok',
          description: 'd',
          input,
          listedInputSchema: { type: 'string' } as unknown as { type: 'object' },
        })
        m() {
          return '';
        }
      }
      return T;
    }, /listedInputSchema, when given, must be a JSON Schema with type "object"/);
  });
});

describe('@RequireScopes', () => {
  it('rejects an empty scope list', () => {
    assert.throws(() => {
      class T {
        @RequireScopes()
        m() {
          return '';
        }
      }
      return T;
    }, /@RequireScopes on T\.m: name at least one scope/);
  });

  it('rejects a scope with a space, quote or backslash (it must fit in a quoted challenge, RFC 6750 §3)', () => {
    for (const scope of ['a b', 'a"b', 'a\\b', '']) {
      assert.throws(
        () => {
          class T {
            @RequireScopes(scope)
            m() {
              return '';
            }
          }
          return T;
        },
        /is invalid/,
        JSON.stringify(scope),
      );
    }
  });
});

describe('@McpScopes', () => {
  it('rejects a scope without a description', () => {
    assert.throws(() => {
      @McpScopes({ 'notes:read': { description: ' ' } })
      class T {}
      return T;
    }, /scope "notes:read" needs a description/);
  });

  it('rejects an empty declaration, a bad name and a scope that implies itself', () => {
    assert.throws(() => {
      @McpScopes({})
      class T {}
      return T;
    }, /declare at least one scope/);
    assert.throws(() => {
      @McpScopes({ 'a b': { description: 'x' } })
      class T {}
      return T;
    }, /is invalid/);
    assert.throws(() => {
      @McpScopes({ a: { description: 'x', implies: ['a'] } })
      class T {}
      return T;
    }, /cannot imply itself/);
  });
});
