import { Transform } from 'class-transformer';
import { IsBooleanString, IsInt, IsOptional, Max, Min } from 'class-validator';
import { defineConfigSlice, toInt, type AppConfig } from '@app/config';

/** Token lifetimes, rate limits, the cleanup of self-registered clients, re-consent for new tools. */
export class OAuthEnvironment {
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'ACCESS_TOKEN_TTL must be a number of seconds from 60 to 86400' })
  @Min(60, { message: 'ACCESS_TOKEN_TTL must be a number of seconds from 60 to 86400' })
  @Max(86400, { message: 'ACCESS_TOKEN_TTL must be a number of seconds from 60 to 86400' })
  ACCESS_TOKEN_TTL?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'REFRESH_TOKEN_TTL must be a number of seconds from 300 to 31536000' })
  @Min(300, { message: 'REFRESH_TOKEN_TTL must be a number of seconds from 300 to 31536000' })
  @Max(31536000, { message: 'REFRESH_TOKEN_TTL must be a number of seconds from 300 to 31536000' })
  REFRESH_TOKEN_TTL?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'REFRESH_TOKEN_REUSE_GRACE must be a number of seconds from 0 (strict) to 300' })
  @Min(0, { message: 'REFRESH_TOKEN_REUSE_GRACE must be a number of seconds from 0 (strict) to 300' })
  @Max(300, { message: 'REFRESH_TOKEN_REUSE_GRACE must be a number of seconds from 0 (strict) to 300' })
  REFRESH_TOKEN_REUSE_GRACE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({
    message:
      'GRANT_MAX_LIFETIME must be a number of seconds from 3600 to 31536000 (default 7776000, 90 days)',
  })
  @Min(3600, {
    message:
      'GRANT_MAX_LIFETIME must be a number of seconds from 3600 to 31536000 (default 7776000, 90 days)',
  })
  @Max(31536000, {
    message:
      'GRANT_MAX_LIFETIME must be a number of seconds from 3600 to 31536000 (default 7776000, 90 days)',
  })
  GRANT_MAX_LIFETIME?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_REGISTER_PER_HOUR must be a whole number from 1 to 100000' })
  @Min(1, { message: 'RATE_LIMIT_REGISTER_PER_HOUR must be a whole number from 1 to 100000' })
  @Max(100000, { message: 'RATE_LIMIT_REGISTER_PER_HOUR must be a whole number from 1 to 100000' })
  RATE_LIMIT_REGISTER_PER_HOUR?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_AUTHORIZE_PER_MINUTE must be a whole number from 1 to 100000' })
  @Min(1, { message: 'RATE_LIMIT_AUTHORIZE_PER_MINUTE must be a whole number from 1 to 100000' })
  @Max(100000, { message: 'RATE_LIMIT_AUTHORIZE_PER_MINUTE must be a whole number from 1 to 100000' })
  RATE_LIMIT_AUTHORIZE_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_TOKEN_PER_MINUTE must be a whole number from 1 to 100000' })
  @Min(1, { message: 'RATE_LIMIT_TOKEN_PER_MINUTE must be a whole number from 1 to 100000' })
  @Max(100000, { message: 'RATE_LIMIT_TOKEN_PER_MINUTE must be a whole number from 1 to 100000' })
  RATE_LIMIT_TOKEN_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DCR_CLIENT_TTL_DAYS must be a whole number of days from 1 to 3650' })
  @Min(1, { message: 'DCR_CLIENT_TTL_DAYS must be a whole number of days from 1 to 3650' })
  @Max(3650, { message: 'DCR_CLIENT_TTL_DAYS must be a whole number of days from 1 to 3650' })
  DCR_CLIENT_TTL_DAYS?: number;

  @IsOptional()
  @IsBooleanString({ message: 'CLIENT_CREDENTIALS_GRANT must be true or false' })
  CLIENT_CREDENTIALS_GRANT?: string;

  @IsOptional()
  @IsBooleanString({ message: 'RECONSENT_EXEMPT_READ_ONLY must be true or false' })
  RECONSENT_EXEMPT_READ_ONLY?: string;
}

declare module '@app/config' {
  interface AppConfig {
    readonly tokens: {
      readonly accessTokenTtl: number;
      readonly refreshTokenTtl: number;
      readonly refreshReuseGrace: number;
      /** Seconds from the person's approval after which a grant's refresh fails (approve again). */
      readonly grantMaxLifetime: number;
      readonly authorizationCodeTtl: number;
      readonly authorizationRequestTtl: number;
    };
    readonly rateLimits: {
      readonly registerPerHour: number;
      readonly authorizePerMinute: number;
      readonly tokenPerMinute: number;
    };
    /** Self-registered clients unused for this many days are deleted by the periodic cleanup. */
    readonly dcrClientTtlDays: number;
    /** CLIENT_CREDENTIALS_GRANT: machine clients may use the RFC 6749 §4.4 grant (EXT-CC-08; off by default). */
    readonly clientCredentialsGrant: boolean;
    /** EXT-RC-04: tools declared read-only need no new consent when added or changed under a scope. */
    readonly reconsentExemptReadOnly: boolean;
  }
}

export const OAUTH_CONFIG = defineConfigSlice({
  schema: OAuthEnvironment,
  variables: {
    ACCESS_TOKEN_TTL: { meaning: 'access-token lifetime, seconds (60–86400)', default: '`3600`' },
    REFRESH_TOKEN_TTL: { meaning: 'refresh-token lifetime, seconds', default: '`2592000`' },
    REFRESH_TOKEN_REUSE_GRACE: {
      meaning:
        'seconds during which a retried, just-rotated refresh token gets the same answer instead of revoking the grant; `0` = strict',
      default: '`30`',
    },
    GRANT_MAX_LIFETIME: {
      meaning:
        'seconds an approval lasts: after it, refresh answers `invalid_grant` and the person approves again (see [security.md](security.md))',
      default: '`7776000` (90 days)',
    },
    RATE_LIMIT_REGISTER_PER_HOUR: {
      meaning: 'client registrations per client IP per hour, shared by all replicas',
      default: '`20`',
    },
    RATE_LIMIT_AUTHORIZE_PER_MINUTE: {
      meaning:
        'authorization requests (consent form included) per client IP per minute, shared by all replicas',
      default: '`60`',
    },
    RATE_LIMIT_TOKEN_PER_MINUTE: {
      meaning:
        'token, revocation and introspection requests per client IP per minute, shared by all replicas',
      default: '`600`',
    },
    DCR_CLIENT_TTL_DAYS: {
      meaning: 'self-registered clients unused for this many days are deleted by the periodic cleanup',
      default: '`90`',
    },
    CLIENT_CREDENTIALS_GRANT: {
      meaning:
        'machine clients: the `client_credentials` grant (RFC 6749 §4.4) for confidential clients an administrator registers; off means `unsupported_grant_type` and the grant is neither advertised nor registrable (see [machine-clients.md](machine-clients.md))',
      default: '`false`',
    },
    RECONSENT_EXEMPT_READ_ONLY: {
      meaning:
        '`true`: a tool added or changed under an approved scope that declares `readOnlyHint: true` needs no new consent (see [tools.md](tools.md#when-you-add-a-tool-under-an-existing-scope))',
      default: '`false`',
    },
  },
  map: (
    env,
  ): Pick<
    AppConfig,
    'tokens' | 'rateLimits' | 'dcrClientTtlDays' | 'clientCredentialsGrant' | 'reconsentExemptReadOnly'
  > => ({
    tokens: {
      accessTokenTtl: env.ACCESS_TOKEN_TTL ?? 3600,
      refreshTokenTtl: env.REFRESH_TOKEN_TTL ?? 2592000,
      refreshReuseGrace: env.REFRESH_TOKEN_REUSE_GRACE ?? 30,
      grantMaxLifetime: env.GRANT_MAX_LIFETIME ?? 7776000,
      authorizationCodeTtl: 60,
      authorizationRequestTtl: 600,
    },
    rateLimits: {
      registerPerHour: env.RATE_LIMIT_REGISTER_PER_HOUR ?? 20,
      authorizePerMinute: env.RATE_LIMIT_AUTHORIZE_PER_MINUTE ?? 60,
      tokenPerMinute: env.RATE_LIMIT_TOKEN_PER_MINUTE ?? 600,
    },
    dcrClientTtlDays: env.DCR_CLIENT_TTL_DAYS ?? 90,
    clientCredentialsGrant: env.CLIENT_CREDENTIALS_GRANT === 'true',
    reconsentExemptReadOnly: env.RECONSENT_EXEMPT_READ_ONLY === 'true',
  }),
});
