// Entities and migrations owned by ToolsNotesModule. Migration timestamps for this lib: 17643xxxxxxxx.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const NOTES_ENTITIES: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const NOTES_MIGRATIONS: Function[] = [];
