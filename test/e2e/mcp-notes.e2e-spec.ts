// Checks (example tool modules, docs/architecture.md C6) end to end with the official SDK client over the real
// OAuth flow: the notes tools act for the token's user only — another user never sees, reads or deletes
// someone else's note; notes:write implies notes:read (RS-SC-06); no argument value reaches the audit log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTestApp, type TestApp } from '../support/app';
import { connectWithToken } from '../support/mcp-client';
import { obtainTokens } from '../support/oauth-flow';

interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: string;
}

describe('notes tools: strictly per user, over MCP', () => {
  let t: TestApp;
  let alice: Client;
  let bob: Client;

  before(async () => {
    t = await startTestApp();
    const resource = `${t.url}/mcp`;
    const a = await obtainTokens(t.url, { email: 'alice@example.com', scope: 'notes:write', resource });
    const b = await obtainTokens(t.url, { email: 'bob@example.com', scope: 'notes:write', resource });
    ({ client: alice } = await connectWithToken(t.url, a.tokens.access_token));
    ({ client: bob } = await connectWithToken(t.url, b.tokens.access_token));
  });
  after(async () => {
    await alice?.close();
    await bob?.close();
    await t.close();
  });

  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args });

  it('lists every tool the person could be granted, each naming the scopes it needs', async () => {
    const { tools } = await alice.listTools();
    assert.deepEqual(tools.map((x) => x.name).sort(), [
      'notes_create',
      'notes_delete',
      'notes_get',
      'notes_list',
      'whoami',
    ]);
    assert.deepEqual(tools.find((x) => x.name === 'whoami')!._meta, {
      'dev.mcp-auth-server/requiredScopes': ['profile:read'],
    });
    const create = tools.find((x) => x.name === 'notes_create')!;
    assert.equal(create.inputSchema.type, 'object');
    assert.deepEqual(create.inputSchema.required, ['title']);
    assert.equal(tools.find((x) => x.name === 'notes_delete')!.annotations?.destructiveHint, true);
  });

  it("another user never sees, reads or deletes alice's note", async () => {
    const created = await call(alice, 'notes_create', { title: 'top-secret-title', body: 'alice only' });
    assert.equal(created.isError, undefined);
    const note = (created.structuredContent as { note: Note }).note;
    assert.equal(note.title, 'top-secret-title');

    const bobList = await call(bob, 'notes_list', {});
    assert.deepEqual(bobList.structuredContent, { notes: [] });
    const bobGet = await call(bob, 'notes_get', { id: note.id });
    assert.equal(bobGet.isError, true);
    assert.deepEqual(bobGet.content, [{ type: 'text', text: `No note with id ${note.id}` }]);
    const bobDelete = await call(bob, 'notes_delete', { id: note.id });
    assert.equal(bobDelete.isError, true);

    const aliceGet = await call(alice, 'notes_get', { id: note.id });
    assert.deepEqual((aliceGet.structuredContent as { note: Note }).note, note);
    const aliceList = await call(alice, 'notes_list', {});
    assert.deepEqual(
      (aliceList.structuredContent as { notes: { id: string }[] }).notes.map((n) => n.id),
      [note.id],
    );
    const rows: { user_id: string }[] = await t.dataSource.query('SELECT user_id FROM notes WHERE id = $1', [
      note.id,
    ]);
    const users: { id: string }[] = await t.dataSource.query('SELECT id FROM users WHERE email = $1', [
      'alice@example.com',
    ]);
    assert.deepEqual(rows, [{ user_id: users[0].id }]);

    const deleted = await call(alice, 'notes_delete', { id: note.id });
    assert.deepEqual(deleted.structuredContent, { deleted: note.id });
    assert.equal((await call(alice, 'notes_get', { id: note.id })).isError, true);
  });

  it('invalid arguments come back as a tool error naming the field', async () => {
    const res = await call(alice, 'notes_get', { id: 'not-a-uuid' });
    assert.equal(res.isError, true);
    assert.match((res.content as { text: string }[])[0].text, /^Invalid arguments for notes_get: id: /);
  });

  it('the audit log records the calls without any argument value', async () => {
    let rows: { detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 40 && rows.length < 9; i++) {
      rows = await t.dataSource.query(
        `SELECT detail FROM audit_events WHERE type = 'tool.called' ORDER BY id`,
      );
      if (rows.length < 9) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(rows.length, 9);
    const text = JSON.stringify(rows);
    assert.doesNotMatch(text, /top-secret-title|alice only|not-a-uuid/);
    // Background writes may land in any order: compare as sets.
    assert.deepEqual(rows.map((r) => `${String(r.detail.tool)}:${String(r.detail.outcome)}`).sort(), [
      'notes_create:ok',
      'notes_delete:ok',
      'notes_delete:tool_error',
      'notes_get:invalid_input',
      'notes_get:ok',
      'notes_get:tool_error',
      'notes_get:tool_error',
      'notes_list:ok',
      'notes_list:ok',
    ]);
  });
});
