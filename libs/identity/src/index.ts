export { IdentityModule } from './identity.module';
export { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from './schema';
