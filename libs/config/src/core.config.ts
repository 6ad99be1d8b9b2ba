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
import { blankToUndefined, defineConfigSlice, httpUrl, toInt } from './slice';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CoreSettings, LogLevel } from './app-config';

/** The basics every deployment has (listener, public URL, database, session secret, logging, pages). */
export class CoreEnvironment {
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
}

export const CORE_CONFIG = defineConfigSlice({
  schema: CoreEnvironment,
  variables: {
    NODE_ENV: { meaning: '`development`, `production` or `test`', default: '`development`' },
    PORT: { meaning: 'listen port', default: '`3000`' },
    PUBLIC_URL: {
      meaning:
        'public base URL; the OAuth issuer and every advertised URL derive from it (never from `Host`)',
      default: '`http://localhost:$PORT`',
    },
    DATABASE_URL: { meaning: 'PostgreSQL URL; unset means the embedded database', default: 'unset' },
    DATABASE_POOL_SIZE: { meaning: 'connections per replica', default: '`10`' },
    DATA_DIR: { meaning: 'where the embedded database lives', default: '`./.data`' },
    MIGRATE_ON_START: {
      meaning: 'run pending migrations at boot (under an advisory lock)',
      default: '`true` outside production, `false` in production',
    },
    SESSION_SECRET: {
      meaning: 'key for signing cookies and CSRF tokens (32+ characters); required in production',
      default: 'random per start outside production',
    },
    SESSION_SECRET_PREVIOUS: {
      meaning:
        'the former `SESSION_SECRET` during a rollover: still accepted to verify CSRF tokens and signed values, never used to sign (see [docs/operations.md](operations.md#rotating-session_secret))',
      default: 'unset',
    },
    TRUST_PROXY: {
      meaning: 'Express trust-proxy setting: hop count, `true`, or a comma list of addresses/CIDRs',
      default: 'unset (trust none)',
    },
    LOG_LEVEL: { meaning: 'pino level (`fatal` … `trace`, `silent`)', default: '`info`' },
    SHUTDOWN_TIMEOUT: { meaning: 'seconds to drain in-flight requests after SIGTERM', default: '`25`' },
    METRICS_PORT: {
      meaning: 'serve Prometheus metrics on this separate port (`GET /metrics`)',
      default: 'unset (no metrics listener)',
    },
    INSTANCE_ID: {
      meaning:
        'adds `X-Served-By: <id>` to every response (e.g. the pod name), to trace requests through a balancer',
      default: 'unset',
    },
    PRODUCT_NAME: { meaning: 'name shown on pages', default: '`MCP Auth Server`' },
    PRODUCT_LOGO_URL: { meaning: 'https:// URL of a logo shown in the page header', default: 'unset' },
    PRIMARY_COLOR: {
      meaning: 'accent colour of buttons and links, `#rgb` or `#rrggbb`',
      default: '`#0b57d0`',
    },
    SUPPORT_URL: {
      meaning: 'https:// or `mailto:` link shown as "Help" at the foot of every page',
      default: 'unset',
    },
    VIEWS_DIR: {
      meaning:
        'folder of `.hbs` templates that replace the built-in ones of the same name (see [docs/guide.md](guide.md#brand-the-pages))',
      default: 'unset (built-in pages)',
    },
  },
  check: (env, core) => {
    const problems: string[] = [];
    // Dangerous combinations stop the boot in production (docs/architecture.md C9).
    if (core.isProduction) {
      if (!env.SESSION_SECRET) {
        problems.push(
          'SESSION_SECRET is required when NODE_ENV=production; set it to a random value of 32+ characters (openssl rand -base64 48)',
        );
      }
      if (!env.DATABASE_URL) {
        // The embedded PostgreSQL is for trying the server out: in production it would keep every grant
        // in a throwaway cluster inside one container.
        problems.push(
          'DATABASE_URL is required when NODE_ENV=production; set it to your PostgreSQL, such as postgres://user:pass@host:5432/db (the embedded database is for development only)',
        );
      }
      if (!core.publicUrl.startsWith('https://')) {
        problems.push(
          'PUBLIC_URL must be an https:// URL when NODE_ENV=production (OAuth 2.1 requires TLS; MCP GEN-04)',
        );
      }
    }
    if (env.VIEWS_DIR !== undefined && !isDirectory(resolve(env.VIEWS_DIR))) {
      problems.push(`VIEWS_DIR "${env.VIEWS_DIR}" is not a folder; point it at a folder of .hbs templates`);
    }
    if (env.SESSION_SECRET_PREVIOUS && !env.SESSION_SECRET) {
      problems.push('SESSION_SECRET_PREVIOUS needs SESSION_SECRET (the new secret) to be set as well');
    }
    return problems;
  },
  map: (env, { env: runtime, isProduction, port, publicUrl }) =>
    ({
      env: runtime,
      isProduction,
      port,
      publicUrl,
      issuer: publicUrl,
      mcpResource: `${publicUrl}/mcp`,
      adminResource: `${publicUrl}/api/admin`,
      secureCookies: publicUrl.startsWith('https://'),
      productName: env.PRODUCT_NAME ?? 'MCP Auth Server',
      branding: {
        logoUrl: env.PRODUCT_LOGO_URL,
        primaryColor: env.PRIMARY_COLOR,
        supportUrl: env.SUPPORT_URL,
      },
      viewsDir: env.VIEWS_DIR === undefined ? undefined : resolve(env.VIEWS_DIR),
      database: {
        url: env.DATABASE_URL,
        dataDir: resolve(env.DATA_DIR ?? './.data'),
        poolSize: env.DATABASE_POOL_SIZE ?? 10,
        migrateOnStart: env.MIGRATE_ON_START === undefined ? !isProduction : env.MIGRATE_ON_START === 'true',
      },
      sessionSecret: env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
      sessionSecretIsEphemeral: !env.SESSION_SECRET,
      previousSessionSecrets:
        env.SESSION_SECRET_PREVIOUS && env.SESSION_SECRET_PREVIOUS !== env.SESSION_SECRET
          ? [env.SESSION_SECRET_PREVIOUS]
          : [],
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      logLevel: (env.LOG_LEVEL ?? 'info') as LogLevel,
      shutdownTimeoutMs: (env.SHUTDOWN_TIMEOUT ?? 25) * 1000,
      metricsPort: env.METRICS_PORT,
      instanceId: env.INSTANCE_ID,
    }) satisfies CoreSettings,
});

function parseTrustProxy(value: string | undefined): CoreSettings['trustProxy'] {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
