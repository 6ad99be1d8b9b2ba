export { ToolsNotesModule } from './tools-notes.module';
export { NOTES_ENTITIES, NOTES_MIGRATIONS } from './schema';
export { NotesRepository } from './notes.repository';
export { NotesTools } from './notes.tools';
