import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';
import { blankToUndefined, defineConfigSlice, list, type AppConfig } from '@app/config';

/** Who administers this server. */
export class AdminEnvironment {
  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*[^\s,@]+@[^\s,@]+(\s*,\s*[^\s,@]+@[^\s,@]+)*\s*$/, {
    message: 'ADMIN_EMAILS must be a comma list of email addresses such as ops@example.com,alice@example.com',
  })
  ADMIN_EMAILS?: string;
}

declare module '@app/config' {
  interface AppConfig {
    /** Lower-cased addresses of administrators (a signed-in user whose verified email is listed). */
    readonly adminEmails: readonly string[];
  }
}

export const ADMIN_CONFIG = defineConfigSlice({
  schema: AdminEnvironment,
  variables: {
    ADMIN_EMAILS: {
      meaning:
        'comma list of administrators: a signed-in user whose verified email is listed may use `/admin/clients` and be granted the `admin` scope',
      default: 'unset (no administrators)',
    },
  },
  map: (env): Pick<AppConfig, 'adminEmails'> => ({
    adminEmails: list(env.ADMIN_EMAILS).map((e) => e.toLowerCase()),
  }),
});
