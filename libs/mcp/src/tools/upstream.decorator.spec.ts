// @UsesUpstream misuse fails when the class is declared, naming the method (docs/architecture.md C7; UP-11).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { z } from 'zod';
import { newTestTool } from '../testing/new-test-tool';
import { McpDeclarationError, McpScopes, McpTool, RequireScopes } from './decorators';
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

  it('stops the boot on a tool that is not requiresPerson (a machine client has no upstream account)', () => {
    @McpScopes({ 'x:read': { description: 'x' } })
    @Injectable()
    class MachineFriendly {
      @McpTool({ name: 'x_list', description: 'd', input: z.object({}) })
      @RequireScopes('x:read')
      @UsesUpstream('github')
      list() {
        return '';
      }
    }
    const port = { unavailable: () => null, apiFor: () => assert.fail('unused') };
    assert.throws(
      () => newTestTool(MachineFriendly, { scopes: ['x:read'], upstream: port }),
      (e: unknown) =>
        e instanceof McpDeclarationError &&
        /tool "x_list" \(MachineFriendly\.list\) uses the github API of the caller: declare it with requiresPerson: true/.test(
          e.message,
        ),
    );
  });
});
