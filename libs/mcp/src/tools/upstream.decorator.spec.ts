// @UsesUpstream misuse fails when the class is declared, naming the method (docs/architecture.md C7; UP-11).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Reflector } from '@nestjs/core';
import { McpDeclarationError } from './decorators';
import { MCP_UPSTREAM_METADATA, UsesUpstream } from './upstream.decorator';

describe('@UsesUpstream', () => {
  it('stores the provider and its scopes (deduplicated)', () => {
    class T {
      @UsesUpstream('github', ['repo', 'repo', 'read:org'])
      m() {
        return '';
      }
    }
    assert.deepEqual(new Reflector().get(MCP_UPSTREAM_METADATA, T.prototype.m), {
      provider: 'github',
      scopes: ['repo', 'read:org'],
    });
  });

  it('accepts URL-shaped scopes (Google) and no scopes at all', () => {
    class T {
      @UsesUpstream('google', ['https://www.googleapis.com/auth/drive.readonly'])
      a() {
        return '';
      }
      @UsesUpstream('github')
      b() {
        return '';
      }
    }
    assert.ok(T);
  });

  it('rejects a bad provider key or scope, naming the method', () => {
    const cases: [string, unknown][] = [
      ['GitHub', []],
      ['', []],
      ['dev/x', []],
      ['github', ['has space']],
      ['github', ['quote"']],
      ['github', 'repo'],
    ];
    for (const [provider, scopes] of cases) {
      assert.throws(
        () => {
          class T {
            @UsesUpstream(provider, scopes as string[])
            m() {
              return '';
            }
          }
          return T;
        },
        (e: unknown) => e instanceof McpDeclarationError && /@UsesUpstream on T\.m: /.test(e.message),
        `${provider} ${JSON.stringify(scopes)}`,
      );
    }
  });

  it('goes on a method only', () => {
    assert.throws(
      () => UsesUpstream('github')({}, 'x', { value: 42 }),
      (e: unknown) => e instanceof McpDeclarationError && /goes on a tool method/.test(e.message),
    );
  });
});
