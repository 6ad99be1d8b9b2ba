import { AUDIT_ENTITIES, AUDIT_MIGRATIONS } from '@app/audit';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '@app/identity';
import { OAUTH_ENTITIES, OAUTH_MIGRATIONS } from '@app/oauth';
import { NOTES_ENTITIES, NOTES_MIGRATIONS } from '@app/tools-notes';

/**
 * Every entity and migration of the deployable, composed from the libraries that own them.
 * The app, the TypeORM CLI (ormconfig.ts) and the tests all read these two lists.
 */
export const ENTITIES = [...AUDIT_ENTITIES, ...IDENTITY_ENTITIES, ...OAUTH_ENTITIES, ...NOTES_ENTITIES];
export const MIGRATIONS = [
  ...AUDIT_MIGRATIONS,
  ...IDENTITY_MIGRATIONS,
  ...OAUTH_MIGRATIONS,
  ...NOTES_MIGRATIONS,
];
