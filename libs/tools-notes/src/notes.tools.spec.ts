// The notes tools act on a person's own notes (requiresPerson, EXT-CC-06): a machine client's caller
// (client_credentials, no person) gets a tool error from each and sees none of them in tools/list.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTestTool } from '@app/mcp';
import type { NotesRepository } from './notes.repository';
import { NotesTools } from './notes.tools';

const untouched = new Proxy({} as NotesRepository, {
  get: () => () => Promise.reject(new Error('a machine client must never reach the notes table')),
});

describe('notes tools and machine clients', () => {
  const tool = () =>
    newTestTool(NotesTools, {
      scopes: ['notes:write'],
      machine: true,
      instance: new NotesTools(untouched),
    });

  it('every notes tool refuses a machine client with a tool error naming why', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['notes_list', {}],
      ['notes_create', { title: 't' }],
      ['notes_get', { id: '00000000-0000-4000-8000-000000000000' }],
      ['notes_delete', { id: '00000000-0000-4000-8000-000000000000' }],
    ];
    for (const [name, args] of calls) {
      const answer = await tool().call(name, args);
      assert.equal(answer.kind, 'result', name);
      if (answer.kind !== 'result') continue;
      assert.equal(answer.result.isError, true, name);
      assert.match(JSON.stringify(answer.result.content), /person's own data/, name);
    }
  });

  it('tools/list shows a machine client none of them', async () => {
    assert.deepEqual(await tool().list(), []);
  });
});
