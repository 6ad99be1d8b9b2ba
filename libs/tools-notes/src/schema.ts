import { CreateNotes1764300000000 } from './migrations/1764300000000-CreateNotes';
import { NoteEntity } from './note.entity';

// Entities and migrations owned by ToolsNotesModule. Migration timestamps for this lib: 17643xxxxxxxx.
export const NOTES_ENTITIES = [NoteEntity];
export const NOTES_MIGRATIONS = [CreateNotes1764300000000];
