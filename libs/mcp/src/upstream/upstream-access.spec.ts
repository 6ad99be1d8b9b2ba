// The upstream port is bound to the caller and to the provider the tool declared (UP-11); a tool that
// needs an upstream API does not boot without a provider of UPSTREAM_TOKEN_PORT that can serve it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamApi, UpstreamTokenPort } from '../ports/upstream-tokens';
import { McpDeclarationError } from '../tools/decorators';
import { ToolError, type McpCaller } from '../tools/tool-types';
import { UpstreamAccess } from './upstream-access';
import type { UpstreamNeed, UpstreamRequirements } from './upstream-requirements';

const need: UpstreamNeed = { tool: 'gh_list', owner: 'GhTools.list', provider: 'github', scopes: ['repo'] };
const requirements = (needs: UpstreamNeed[]) =>
  ({
    all: () => needs,
    forTool: (t: string) => needs.find((n) => n.tool === t),
  }) as unknown as UpstreamRequirements;
const caller = (userId: string | null): McpCaller =>
  userId === null
    ? { kind: 'client', userId: null, clientId: 'c', grantId: 'g', scopes: [] }
    : { kind: 'person', userId, clientId: 'c', grantId: 'g', scopes: [] };

class FakePort implements UpstreamTokenPort {
  readonly asked: string[] = [];
  constructor(private readonly why: string | null = null) {}
  unavailable(): string | null {
    return this.why;
  }
  apiFor(userId: string, provider: string): UpstreamApi {
    this.asked.push(`${userId}/${provider}`);
    return { provider, baseUrl: 'https://api.example', fetch: () => Promise.reject(new Error('unused')) };
  }
}

describe('UpstreamAccess', () => {
  it('binds the port to the caller and the declared provider', () => {
    const port = new FakePort();
    const access = new UpstreamAccess(requirements([need]), port);
    assert.equal(access.bind('gh_list', caller('u-1'))('github').baseUrl, 'https://api.example');
    assert.deepEqual(port.asked, ['u-1/github']);
  });

  it('refuses a provider the tool did not declare, and a tool that declared none', () => {
    const access = new UpstreamAccess(requirements([need]), new FakePort());
    assert.throws(() => access.bind('gh_list', caller('u-1'))('google'), /without @UsesUpstream\('google'\)/);
    assert.throws(() => access.bind('other', caller('u-1'))('github'), /without @UsesUpstream\('github'\)/);
  });

  it('gives a client-only caller (no person) no upstream account', () => {
    const access = new UpstreamAccess(requirements([need]), new FakePort());
    assert.throws(() => access.bind('gh_list', caller(null))('github'), ToolError);
  });

  it('fails the boot without a port, or when the port cannot serve the provider', () => {
    assert.throws(
      () => new UpstreamAccess(requirements([need])).onModuleInit(),
      (e: unknown) =>
        e instanceof McpDeclarationError && /no module provides UPSTREAM_TOKEN_PORT/.test(e.message),
    );
    assert.throws(
      () => new UpstreamAccess(requirements([need]), new FakePort('not configured')).onModuleInit(),
      /tool "gh_list" \(GhTools\.list\) uses the github API: not configured/,
    );
    new UpstreamAccess(requirements([]), undefined).onModuleInit();
    new UpstreamAccess(requirements([need]), new FakePort()).onModuleInit();
  });
});
