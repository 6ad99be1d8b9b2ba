// Checks (example tool modules; docs/architecture.md C6): the notes tool module on real PostgreSQL keeps
// every user's notes to that user — another user's note is "not found" for list, get, delete and
// the list cursor — and the tools take the owner from the caller, never from the arguments.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDataSource } from '@app/persistence';
import { ToolError, type PersonCaller } from '@app/mcp';
import { NotesRepository, NotesTools } from '@app/tools-notes';
import type { DataSource } from 'typeorm';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('notes repository: strictly per user', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let notes: NotesRepository;
  const alice = randomUUID();
  const bob = randomUUID();

  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 2 });
    await ds.initialize();
    notes = new NotesRepository(ds);
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('creates a note owned by the given user', async () => {
    const note = await notes.create(alice, { title: 'Alice 1', body: 'secret of alice' });
    assert.match(note.id, /^[0-9a-f-]{36}$/);
    assert.equal(note.userId, alice);
    assert.ok(note.createdAt instanceof Date);
    const rows: { user_id: string; title: string; body: string }[] = await ds.query(
      'SELECT user_id, title, body FROM notes WHERE id = $1',
      [note.id],
    );
    assert.deepEqual(rows, [{ user_id: alice, title: 'Alice 1', body: 'secret of alice' }]);
  });

  it("another user never sees, reads or deletes someone else's note", async () => {
    const a = await notes.create(alice, { title: 'Alice 2', body: '' });
    await notes.create(bob, { title: 'Bob 1', body: 'bob' });

    assert.deepEqual(
      (await notes.list(bob, 100)).map((n) => n.title),
      ['Bob 1'],
    );
    assert.equal(await notes.find(bob, a.id), null);
    assert.equal(await notes.delete(bob, a.id), false);
    // Alice's note is untouched by Bob's attempt.
    assert.equal((await notes.find(alice, a.id))?.title, 'Alice 2');
    // The list cursor cannot be used to probe another user's note either.
    assert.deepEqual(await notes.list(bob, 100, a.id), []);
  });

  it('lists newest first and pages with the cursor', async () => {
    const carol = randomUUID();
    for (let i = 1; i <= 5; i++) await notes.create(carol, { title: `C${i}`, body: '' });
    const first = await notes.list(carol, 2);
    assert.deepEqual(
      first.map((n) => n.title),
      ['C5', 'C4'],
    );
    const second = await notes.list(carol, 2, first[1].id);
    assert.deepEqual(
      second.map((n) => n.title),
      ['C3', 'C2'],
    );
    const third = await notes.list(carol, 2, second[1].id);
    assert.deepEqual(
      third.map((n) => n.title),
      ['C1'],
    );
  });

  it('the owner deletes their own note exactly once', async () => {
    const n = await notes.create(bob, { title: 'Bob 2', body: '' });
    assert.equal(await notes.delete(bob, n.id), true);
    assert.equal(await notes.delete(bob, n.id), false);
    assert.equal(await notes.find(bob, n.id), null);
  });

  it('the tools act for the caller only: another user gets "not found" from notes_get and notes_delete', async () => {
    const tools = new NotesTools(notes);
    const caller = (userId: string): PersonCaller => ({
      kind: 'person',
      userId,
      clientId: 'c',
      grantId: randomUUID(),
      scopes: ['notes:read', 'notes:write'],
    });
    const dave = randomUUID();
    const erin = randomUUID();
    const { note } = await tools.create({ title: 'Dave', body: 'private' }, caller(dave));
    assert.equal((await tools.get({ id: note.id }, caller(dave))).note.body, 'private');
    await assert.rejects(tools.get({ id: note.id }, caller(erin)), (e: unknown) => e instanceof ToolError);
    await assert.rejects(tools.delete({ id: note.id }, caller(erin)), (e: unknown) => e instanceof ToolError);
    assert.deepEqual((await tools.list({ limit: 20 }, caller(erin))).notes, []);
    assert.deepEqual(
      (await tools.list({ limit: 20 }, caller(dave))).notes.map((n) => n.id),
      [note.id],
    );
    assert.deepEqual(await tools.delete({ id: note.id }, caller(dave)), { deleted: note.id });
  });
});
