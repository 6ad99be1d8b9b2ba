import { Transform } from 'class-transformer';
import { IsBooleanString, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { blankToUndefined, defineConfigSlice, toInt, type AppConfig } from '@app/config';

/** Sign-in by emailed link. */
export class EmailLoginEnvironment {
  @IsOptional()
  @IsBooleanString({ message: 'EMAIL_LOGIN must be true or false' })
  EMAIL_LOGIN?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^smtps?:\/\/[^\s]+$/, {
    message: 'SMTP_URL must be an smtp:// or smtps:// URL such as smtps://user:password@smtp.example.com:465',
  })
  SMTP_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^([^\r\n<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, {
    message: 'EMAIL_FROM must be a sender address such as "Example MCP <no-reply@example.com>"',
  })
  EMAIL_FROM?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR must be a whole number from 1 to 1000' })
  @Min(1, { message: 'RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR must be a whole number from 1 to 1000' })
  @Max(1000, { message: 'RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR must be a whole number from 1 to 1000' })
  RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR must be a whole number from 1 to 100000' })
  @Min(1, { message: 'RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR must be a whole number from 1 to 100000' })
  @Max(100000, { message: 'RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR must be a whole number from 1 to 100000' })
  RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR?: number;
}

/** Sign-in by emailed link (EMAIL_LOGIN with SMTP_URL and EMAIL_FROM). */
export interface EmailLoginConfig {
  /** Nodemailer SMTP URL; may hold credentials, so it is never logged. */
  readonly smtpUrl: string;
  /** The From header of the sign-in messages. */
  readonly from: string;
  /** Links requested for one address per hour (shared by all replicas). */
  readonly perAddressPerHour: number;
  /** Links requested from one client IP per hour. */
  readonly perIpPerHour: number;
}

declare module '@app/config' {
  interface AppConfig {
    /** Undefined unless EMAIL_LOGIN=true and SMTP is configured. */
    readonly emailLogin: EmailLoginConfig | undefined;
  }
}

export const EMAIL_LOGIN_CONFIG = defineConfigSlice({
  schema: EmailLoginEnvironment,
  variables: {
    EMAIL_LOGIN: {
      meaning:
        'offer "Email me a sign-in link" on the sign-in page; needs `SMTP_URL` and `EMAIL_FROM` (refused without them in production)',
      default: '`false`',
    },
    SMTP_URL: {
      meaning:
        'mail server for sign-in links, as a nodemailer URL (`smtps://user:password@host:465`); a secret, never logged',
      default: 'unset',
    },
    EMAIL_FROM: { meaning: '`From` header of the sign-in messages', default: 'unset' },
    RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR: {
      meaning: 'sign-in links per email address per hour, shared by all replicas',
      default: '`5`',
    },
    RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR: {
      meaning: 'sign-in links asked for per client IP per hour',
      default: '`30`',
    },
  },
  check: (env, core) => {
    const missingSmtp = [env.SMTP_URL ? '' : 'SMTP_URL', env.EMAIL_FROM ? '' : 'EMAIL_FROM'].filter(Boolean);
    return core.isProduction && env.EMAIL_LOGIN === 'true' && missingSmtp.length > 0
      ? [
          `EMAIL_LOGIN=true is refused without ${missingSmtp.join(' and ')} when NODE_ENV=production; set SMTP_URL (e.g. smtps://user:password@smtp.example.com:465) and EMAIL_FROM (e.g. "Example <no-reply@example.com>"), or remove EMAIL_LOGIN`,
        ]
      : [];
  },
  map: (env): Pick<AppConfig, 'emailLogin'> => ({
    emailLogin:
      env.EMAIL_LOGIN === 'true' && env.SMTP_URL && env.EMAIL_FROM
        ? {
            smtpUrl: env.SMTP_URL,
            from: env.EMAIL_FROM,
            perAddressPerHour: env.RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR ?? 5,
            perIpPerHour: env.RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR ?? 30,
          }
        : undefined,
  }),
});
