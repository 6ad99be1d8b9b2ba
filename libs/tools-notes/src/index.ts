export { ToolsNotesModule } from './tools-notes.module';
export { NOTES_ENTITIES, NOTES_MIGRATIONS } from './schema';
