// Entities and migrations owned by IdentityModule. Migration timestamps for this lib: 17641xxxxxxxx.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const IDENTITY_ENTITIES: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const IDENTITY_MIGRATIONS: Function[] = [];
