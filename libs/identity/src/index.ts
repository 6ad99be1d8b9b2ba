export { IdentityModule } from './identity.module';
export { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from './schema';
export { LoginSessionService, type CurrentSession } from './sessions/login-session.service';
export { UserRepository } from './users/user.repository';
export { UserEntity } from './entities/user.entity';
export { UserIdentityEntity } from './entities/user-identity.entity';
export { safeReturnTo } from './web/return-to';
export { LoginCsrf } from './web/login-csrf';
export { UserAdministration, type DisableResult } from './users/user-administration.service';
