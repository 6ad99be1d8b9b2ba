// Entities and migrations owned by IdentityModule. Migration timestamps for this lib: 17641xxxxxxxx.
import { EmailSignInLinkEntity } from './entities/email-sign-in-link.entity';
import { LoginSessionEntity } from './entities/login-session.entity';
import { UpstreamTokenEntity } from './entities/upstream-token.entity';
import { UpstreamLoginAttemptEntity } from './entities/upstream-login-attempt.entity';
import { UserIdentityEntity } from './entities/user-identity.entity';
import { UserEntity } from './entities/user.entity';
import { CreateIdentityTables1764100000000 } from './migrations/1764100000000-CreateIdentityTables';
import { CreateEmailSignInLinks1764100000100 } from './migrations/1764100000100-CreateEmailSignInLinks';
import { CreateUpstreamTokens1764430000000 } from './migrations/1764430000000-CreateUpstreamTokens';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const IDENTITY_ENTITIES: Function[] = [
  UserEntity,
  UserIdentityEntity,
  LoginSessionEntity,
  UpstreamLoginAttemptEntity,
  EmailSignInLinkEntity,
  UpstreamTokenEntity,
];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const IDENTITY_MIGRATIONS: Function[] = [
  CreateIdentityTables1764100000000,
  CreateEmailSignInLinks1764100000100,
  CreateUpstreamTokens1764430000000,
];
