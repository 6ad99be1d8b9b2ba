import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { McpScopes, McpTool, RequireScopes, ToolError, type PersonCaller } from '@app/mcp';
import type { NoteEntity } from './note.entity';
import { NotesRepository } from './notes.repository';

const noteId = z.uuid().describe('The id of the note (from notes_create or notes_list)');

const createInput = z.object({
  title: z.string().trim().min(1).max(200).describe('A short title'),
  body: z.string().max(10_000).default('').describe('The text of the note'),
});
const listInput = z.object({
  limit: z.number().int().min(1).max(100).default(20).describe('How many notes to return, newest first'),
  before: noteId.optional().describe('Return notes older than this note (the last id of the previous page)'),
});
const idInput = z.object({ id: noteId });

/**
 * The example of a tool module that brings its own data: a `notes` table, strictly per user. The
 * caller comes from the bearer token, never from the arguments.
 */
@McpScopes({
  'notes:read': { description: 'Read your notes', default: true },
  'notes:write': { description: 'Create and delete your notes', implies: ['notes:read'] },
})
@Injectable()
export class NotesTools {
  constructor(private readonly notes: NotesRepository) {}

  @McpTool({
    name: 'notes_create',
    title: 'Create a note',
    description: 'Save a new note (title and text) for the signed-in user. Returns the note with its id.',
    input: createInput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    requiresPerson: true,
  })
  @RequireScopes('notes:write')
  async create(input: z.output<typeof createInput>, caller: PersonCaller) {
    return { note: toDto(await this.notes.create(caller.userId, input)) };
  }

  @McpTool({
    name: 'notes_list',
    title: 'List notes',
    description: "List the signed-in user's notes, newest first (id, title, creation time).",
    input: listInput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    requiresPerson: true,
  })
  @RequireScopes('notes:read')
  async list(input: z.output<typeof listInput>, caller: PersonCaller) {
    const notes = await this.notes.list(caller.userId, input.limit, input.before);
    return {
      notes: notes.map((n) => ({ id: n.id, title: n.title, createdAt: n.createdAt.toISOString() })),
      ...(notes.length === input.limit ? { nextBefore: notes[notes.length - 1].id } : {}),
    };
  }

  @McpTool({
    name: 'notes_get',
    title: 'Read a note',
    description: 'Read one of your notes in full by its id.',
    input: idInput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    requiresPerson: true,
  })
  @RequireScopes('notes:read')
  async get(input: z.output<typeof idInput>, caller: PersonCaller) {
    const note = await this.notes.find(caller.userId, input.id);
    if (!note) throw new ToolError(`No note with id ${input.id}`);
    return { note: toDto(note) };
  }

  @McpTool({
    name: 'notes_delete',
    title: 'Delete a note',
    description: 'Delete one of your notes by its id. This cannot be undone.',
    input: idInput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    requiresPerson: true,
  })
  @RequireScopes('notes:write')
  async delete(input: z.output<typeof idInput>, caller: PersonCaller) {
    if (!(await this.notes.delete(caller.userId, input.id)))
      throw new ToolError(`No note with id ${input.id}`);
    return { deleted: input.id };
  }
}

function toDto(note: NoteEntity) {
  return { id: note.id, title: note.title, body: note.body, createdAt: note.createdAt.toISOString() };
}
