import { Transform } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

/**
 * Every environment variable the product reads, with its validation rule.
 * The configuration reference in docs/operations.md documents the same list; the unit test
 * `environment.spec.ts` keeps them in step.
 */
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value === '' ? undefined : value;
const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const httpUrl = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'], {
    message: 'NODE_ENV must be development, production or test',
  })
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number between 0 and 65535, e.g. PORT=3000' })
  @Min(0, { message: 'PORT must be a whole number between 0 and 65535, e.g. PORT=3000' })
  @Max(65535, { message: 'PORT must be a whole number between 0 and 65535, e.g. PORT=3000' })
  PORT?: number;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'PUBLIC_URL must be an absolute http(s) URL such as https://mcp.example.com' })
  @Matches(/^[^?#]*$/, { message: 'PUBLIC_URL must not contain a query or fragment' })
  PUBLIC_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^postgres(ql)?:\/\/.+/, {
    message: 'DATABASE_URL must be a PostgreSQL URL such as postgres://user:pass@host:5432/db',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DATABASE_POOL_SIZE must be a whole number from 1 to 200' })
  @Min(1, { message: 'DATABASE_POOL_SIZE must be a whole number from 1 to 200' })
  @Max(200, { message: 'DATABASE_POOL_SIZE must be a whole number from 1 to 200' })
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'DATA_DIR must be a folder path such as ./.data' })
  DATA_DIR?: string;

  @IsOptional()
  @IsBooleanString({ message: 'MIGRATE_ON_START must be true or false' })
  MIGRATE_ON_START?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  @MinLength(32, {
    message: 'SESSION_SECRET must be at least 32 characters; generate one with `openssl rand -base64 48`',
  })
  SESSION_SECRET?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  @MinLength(32, {
    message:
      'SESSION_SECRET_PREVIOUS must be the former SESSION_SECRET (32+ characters), kept only during a rollover',
  })
  SESSION_SECRET_PREVIOUS?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(
    /^(true|false|\d{1,2}|(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?))*)$/,
    {
      message:
        'TRUST_PROXY must be a hop count (e.g. 1), true/false, or a comma list of addresses/CIDRs (e.g. 10.0.0.0/8)',
    },
  )
  TRUST_PROXY?: string;

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
  @IsInt({ message: 'LOGIN_SESSION_TTL must be a number of seconds from 300 to 2592000' })
  @Min(300, { message: 'LOGIN_SESSION_TTL must be a number of seconds from 300 to 2592000' })
  @Max(2592000, { message: 'LOGIN_SESSION_TTL must be a number of seconds from 300 to 2592000' })
  LOGIN_SESSION_TTL?: number;

  @IsOptional()
  @IsBooleanString({ message: 'DEV_LOGIN must be true or false' })
  DEV_LOGIN?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() GITHUB_CLIENT_ID?: string;
  @IsOptional() @Transform(blankToUndefined) @IsString() GITHUB_CLIENT_SECRET?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_AUTHORIZATION_URL must be an absolute http(s) URL' })
  GITHUB_AUTHORIZATION_URL?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_TOKEN_URL must be an absolute http(s) URL' })
  GITHUB_TOKEN_URL?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_USER_PROFILE_URL must be an absolute http(s) URL' })
  GITHUB_USER_PROFILE_URL?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_USER_EMAIL_URL must be an absolute http(s) URL' })
  GITHUB_USER_EMAIL_URL?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GITHUB_API_URL must be an absolute http(s) URL' })
  GITHUB_API_URL?: string;
  @IsOptional() @Transform(blankToUndefined) @IsString() GITHUB_ALLOWED_ORGS?: string;

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

  @IsOptional() @Transform(blankToUndefined) @IsString() GOOGLE_CLIENT_ID?: string;
  @IsOptional() @Transform(blankToUndefined) @IsString() GOOGLE_CLIENT_SECRET?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GOOGLE_AUTHORIZATION_URL must be an absolute http(s) URL' })
  GOOGLE_AUTHORIZATION_URL?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GOOGLE_TOKEN_URL must be an absolute http(s) URL' })
  GOOGLE_TOKEN_URL?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, { message: 'GOOGLE_USER_PROFILE_URL must be an absolute http(s) URL' })
  GOOGLE_USER_PROFILE_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsUrl(httpUrl, {
    message: 'OIDC_ISSUER must be the absolute http(s) issuer URL of your identity provider',
  })
  OIDC_ISSUER?: string;
  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_CLIENT_ID?: string;
  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_CLIENT_SECRET?: string;
  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_DISPLAY_NAME?: string;
  @IsOptional() @Transform(blankToUndefined) @IsString() OIDC_SCOPES?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*[a-z0-9.-]+(\s*,\s*[a-z0-9.-]+)*\s*$/i, {
    message: 'ALLOWED_EMAIL_DOMAINS must be a comma list of domains such as example.com,example.org',
  })
  ALLOWED_EMAIL_DOMAINS?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString() ENTERPRISE_IDP_ISSUERS?: string;
  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*[^\s,]+(\s*,\s*[^\s,]+)*\s*$/, {
    message: 'ENTERPRISE_IDP_CLIENTS must be a comma list of client ids',
  })
  ENTERPRISE_IDP_CLIENTS?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  MCP_ALLOWED_ORIGINS?: string;

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
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SHUTDOWN_TIMEOUT must be a number of seconds from 1 to 300' })
  @Min(1, { message: 'SHUTDOWN_TIMEOUT must be a number of seconds from 1 to 300' })
  @Max(300, { message: 'SHUTDOWN_TIMEOUT must be a number of seconds from 1 to 300' })
  SHUTDOWN_TIMEOUT?: number;

  @IsOptional() @Transform(blankToUndefined) @IsString() PRODUCT_NAME?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^https:\/\/[^\s"'<>()\\]+$/, {
    message: 'PRODUCT_LOGO_URL must be an https:// URL of an image (no spaces, quotes or brackets)',
  })
  PRODUCT_LOGO_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, {
    message: 'PRIMARY_COLOR must be a hex colour such as #0b57d0 or #06c',
  })
  PRIMARY_COLOR?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^(https:\/\/|mailto:)[^\s"'<>()\\]+$/, {
    message: 'SUPPORT_URL must be an https:// URL or a mailto: address such as mailto:help@example.com',
  })
  SUPPORT_URL?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @IsString()
  @MinLength(1, { message: 'VIEWS_DIR must be the path of a folder of .hbs templates' })
  VIEWS_DIR?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'METRICS_PORT must be a port number from 1 to 65535 (Prometheus metrics listener)' })
  @Min(1, { message: 'METRICS_PORT must be a port number from 1 to 65535 (Prometheus metrics listener)' })
  @Max(65535, { message: 'METRICS_PORT must be a port number from 1 to 65535 (Prometheus metrics listener)' })
  METRICS_PORT?: number;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'INSTANCE_ID must be 1-64 letters, digits, dots, dashes or underscores',
  })
  INSTANCE_ID?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*\*?\.?[a-z0-9-]+(\.[a-z0-9-]+)*(\s*,\s*\*?\.?[a-z0-9-]+(\.[a-z0-9-]+)*)*\s*$/i, {
    message: 'CIMD_ALLOWED_HOSTS must be a comma list of host suffixes such as example.com,apps.example.org',
  })
  CIMD_ALLOWED_HOSTS?: string;

  @IsOptional()
  @IsBooleanString({ message: 'CIMD_ALLOW_INSECURE_LOCALHOST must be true or false' })
  CIMD_ALLOW_INSECURE_LOCALHOST?: string;

  @IsOptional()
  @Transform(blankToUndefined)
  @Matches(/^\s*[^\s,@]+@[^\s,@]+(\s*,\s*[^\s,@]+@[^\s,@]+)*\s*$/, {
    message: 'ADMIN_EMAILS must be a comma list of email addresses such as ops@example.com,alice@example.com',
  })
  ADMIN_EMAILS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DCR_CLIENT_TTL_DAYS must be a whole number of days from 1 to 3650' })
  @Min(1, { message: 'DCR_CLIENT_TTL_DAYS must be a whole number of days from 1 to 3650' })
  @Max(3650, { message: 'DCR_CLIENT_TTL_DAYS must be a whole number of days from 1 to 3650' })
  DCR_CLIENT_TTL_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500' })
  @Min(0, { message: 'AUDIT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500' })
  @Max(36500, {
    message: 'AUDIT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500',
  })
  AUDIT_RETENTION_DAYS?: number;
}

/** Names of every variable in the schema, for docs and the "unknown variable" check in tests. */
export const ENVIRONMENT_VARIABLE_NAMES = [
  'NODE_ENV',
  'PORT',
  'PUBLIC_URL',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'DATA_DIR',
  'MIGRATE_ON_START',
  'SESSION_SECRET',
  'SESSION_SECRET_PREVIOUS',
  'TRUST_PROXY',
  'ACCESS_TOKEN_TTL',
  'REFRESH_TOKEN_TTL',
  'REFRESH_TOKEN_REUSE_GRACE',
  'GRANT_MAX_LIFETIME',
  'LOGIN_SESSION_TTL',
  'DEV_LOGIN',
  'GITHUB_CLIENT_ID',
  'GITHUB_CLIENT_SECRET',
  'GITHUB_AUTHORIZATION_URL',
  'GITHUB_TOKEN_URL',
  'GITHUB_USER_PROFILE_URL',
  'GITHUB_USER_EMAIL_URL',
  'GITHUB_API_URL',
  'GITHUB_ALLOWED_ORGS',
  'EMAIL_LOGIN',
  'SMTP_URL',
  'EMAIL_FROM',
  'RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR',
  'RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR',
  'GOOGLE_CLIENT_ID',
  'GOOGLE_CLIENT_SECRET',
  'GOOGLE_AUTHORIZATION_URL',
  'GOOGLE_TOKEN_URL',
  'GOOGLE_USER_PROFILE_URL',
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_DISPLAY_NAME',
  'OIDC_SCOPES',
  'ALLOWED_EMAIL_DOMAINS',
  'ENTERPRISE_IDP_ISSUERS',
  'ENTERPRISE_IDP_CLIENTS',
  'MCP_ALLOWED_ORIGINS',
  'RATE_LIMIT_REGISTER_PER_HOUR',
  'RATE_LIMIT_AUTHORIZE_PER_MINUTE',
  'RATE_LIMIT_TOKEN_PER_MINUTE',
  'LOG_LEVEL',
  'SHUTDOWN_TIMEOUT',
  'PRODUCT_NAME',
  'PRODUCT_LOGO_URL',
  'PRIMARY_COLOR',
  'SUPPORT_URL',
  'VIEWS_DIR',
  'METRICS_PORT',
  'INSTANCE_ID',
  'CIMD_ALLOWED_HOSTS',
  'CIMD_ALLOW_INSECURE_LOCALHOST',
  'ADMIN_EMAILS',
  'DCR_CLIENT_TTL_DAYS',
  'AUDIT_RETENTION_DAYS',
] as const;
