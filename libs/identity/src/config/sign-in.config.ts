import { Transform } from 'class-transformer';
import { IsBooleanString, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import {
  blankToUndefined,
  defineConfigSlice,
  list,
  toInt,
  type AppConfig,
  type CoreFacts,
} from '@app/config';

/** The browser sign-in: its session, the development sign-in page, the allowed email domains. */
export class SignInEnvironment {
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'LOGIN_SESSION_TTL must be a number of seconds from 300 to 2592000' })
  @Min(300, { message: 'LOGIN_SESSION_TTL must be a number of seconds from 300 to 2592000' })
  @Max(2592000, { message: 'LOGIN_SESSION_TTL must be a number of seconds from 300 to 2592000' })
  LOGIN_SESSION_TTL?: number;

  @IsOptional()
  @IsBooleanString({ message: 'DEV_LOGIN must be true or false' })
  DEV_LOGIN?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*[a-z0-9.-]+(\s*,\s*[a-z0-9.-]+)*\s*$/i, {
    message: 'ALLOWED_EMAIL_DOMAINS must be a comma list of domains such as example.com,example.org',
  })
  ALLOWED_EMAIL_DOMAINS?: string;
}

declare module '@app/config' {
  interface AppConfig {
    readonly loginSessionTtl: number;
    readonly devLogin: boolean;
    readonly allowedEmailDomains: readonly string[];
  }
}

const devLoginOn = (env: SignInEnvironment, core: CoreFacts) =>
  env.DEV_LOGIN === undefined ? !core.isProduction : env.DEV_LOGIN === 'true';

export const SIGN_IN_CONFIG = defineConfigSlice({
  schema: SignInEnvironment,
  variables: {
    LOGIN_SESSION_TTL: { meaning: 'browser sign-in lifetime, seconds', default: '`604800`' },
    DEV_LOGIN: {
      meaning: 'the local "sign in as" page; refused when `NODE_ENV=production`',
      default: '`true` outside production',
    },
    ALLOWED_EMAIL_DOMAINS: {
      meaning: 'only users with a verified email in these domains may sign in (comma list)',
      default: 'unset (anyone)',
    },
  },
  check: (env, core) =>
    core.isProduction && devLoginOn(env, core)
      ? [
          'DEV_LOGIN=true is refused when NODE_ENV=production; remove it and configure a real sign-in provider',
        ]
      : [],
  map: (env, core): Pick<AppConfig, 'loginSessionTtl' | 'devLogin' | 'allowedEmailDomains'> => ({
    loginSessionTtl: env.LOGIN_SESSION_TTL ?? 7 * 24 * 3600,
    devLogin: devLoginOn(env, core),
    allowedEmailDomains: list(env.ALLOWED_EMAIL_DOMAINS).map((d) => d.toLowerCase()),
  }),
});
