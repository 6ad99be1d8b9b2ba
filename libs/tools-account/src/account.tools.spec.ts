// The whoami tool on its own (newTestTool: the catalog holds only AccountTools): its answer for a caller
// with `profile:read`, the step-up refusal without it (RS-SC-04/05), and a tool error for a user who no
// longer exists.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { newTestTool, type CallerProfile } from '@app/mcp';
import { AccountTools } from './account.tools';

const ada: CallerProfile = { id: 'user-ada', name: 'Ada', email: 'ada@example.com' };
const tools = () =>
  new AccountTools({ profile: async (userId) => (userId === ada.id ? ada : null) }, {
    query: async () => [],
  } as unknown as DataSource);

describe('whoami (newTestTool)', () => {
  it('answers the caller with profile:read: who they are, which client, which scopes', async () => {
    const tool = newTestTool(AccountTools, { scopes: ['profile:read'], user: ada.id, instance: tools() });
    const answer = await tool.call('whoami');
    assert.equal(answer.kind, 'result');
    assert.deepEqual(answer.result.structuredContent, {
      caller: 'person',
      user: { id: 'user-ada', name: 'Ada', email: 'ada@example.com' },
      client: { id: 'test-client' },
      scopes: ['profile:read'],
    });
    assert.notEqual(answer.result.isError, true);
  });

  it('answers a machine client (client_credentials) with the client and no user (EXT-CC-06)', async () => {
    const tool = newTestTool(AccountTools, { scopes: ['profile:read'], machine: true, instance: tools() });
    const answer = await tool.call('whoami');
    assert.equal(answer.kind, 'result');
    assert.deepEqual(answer.result.structuredContent, {
      caller: 'client',
      user: null,
      client: { id: 'test-client' },
      scopes: ['profile:read'],
    });
  });

  it('refuses a caller without profile:read with the 403 step-up naming the scope (RS-SC-04/05)', async () => {
    const tool = newTestTool(AccountTools, { scopes: [], user: ada.id, instance: tools() });
    assert.deepEqual(await tool.call('whoami'), {
      kind: 'insufficient_scope',
      status: 403,
      scope: ['profile:read'],
    });
  });

  it('is a tool error (isError), not a crash, for a user who no longer exists', async () => {
    const tool = newTestTool(AccountTools, { scopes: ['profile:read'], user: 'gone', instance: tools() });
    const answer = await tool.call('whoami');
    assert.equal(answer.kind, 'result');
    assert.equal(answer.result.isError, true);
    assert.deepEqual(answer.result.content, [{ type: 'text', text: 'Your account no longer exists' }]);
  });

  it('lists only this class: whoami', async () => {
    const tool = newTestTool(AccountTools, { scopes: ['profile:read'], instance: tools() });
    assert.deepEqual(
      (await tool.list()).map((t) => t.name),
      ['whoami'],
    );
  });
});
