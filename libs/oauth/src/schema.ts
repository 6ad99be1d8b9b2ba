// Entities and migrations owned by OAuthModule. Migration timestamps for this lib: 17642xxxxxxxx.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const OAUTH_ENTITIES: Function[] = [];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const OAUTH_MIGRATIONS: Function[] = [];
