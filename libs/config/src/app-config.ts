import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables } from './environment';

export type RuntimeEnvironment = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GithubProviderConfig {
  clientId: string;
  clientSecret: string;
  authorizationUrl: string;
  tokenUrl: string;
  userProfileUrl: string;
  userEmailUrl: string;
  /** Base of the REST API, used for the organisation membership check. */
  apiUrl: string;
  allowedOrgs: readonly string[];
}

export interface GoogleProviderConfig {
  clientId: string;
  clientSecret: string;
  authorizationUrl: string;
  tokenUrl: string;
  userProfileUrl: string;
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

export interface OidcProviderConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  displayName: string;
  scopes: readonly string[];
}

/** The validated, typed and frozen configuration. Nothing but libs/config reads process.env. */
export interface AppConfig {
  readonly env: RuntimeEnvironment;
  readonly isProduction: boolean;
  readonly port: number;
  /** Public base URL without a trailing slash. It is the OAuth issuer (RFC 8414 §2). */
  readonly publicUrl: string;
  readonly issuer: string;
  /** The MCP resource identifier (RFC 8707 / RFC 9728 `resource`): publicUrl + '/mcp'. */
  readonly mcpResource: string;
  /**
   * The admin API's resource identifier (RFC 8707): publicUrl + '/api/admin'. The `admin` scope is
   * issued only for it, and /mcp refuses its tokens.
   */
  readonly adminResource: string;
  /** Whether cookies must be Secure and use the __Host- prefix. */
  readonly secureCookies: boolean;
  readonly productName: string;
  /** Page branding (layout.hbs); every value validated so nothing can break out of an attribute or style. */
  readonly branding: {
    /** https:// image URL shown beside the product name. */
    readonly logoUrl: string | undefined;
    /** `#rgb` or `#rrggbb`; replaces the accent colour. */
    readonly primaryColor: string | undefined;
    /** https:// or mailto: link shown in the page footer. */
    readonly supportUrl: string | undefined;
  };
  /** Absolute folder whose `<view>.hbs` files replace the built-in templates of the same name. */
  readonly viewsDir: string | undefined;
  readonly database: {
    /** Unset means the embedded PostgreSQL in dataDir. */
    readonly url: string | undefined;
    readonly dataDir: string;
    readonly poolSize: number;
    readonly migrateOnStart: boolean;
  };
  /** Key material for signing cookies and CSRF tokens. */
  readonly sessionSecret: string;
  /** True when SESSION_SECRET was not set and a random per-start value is used (development only). */
  readonly sessionSecretIsEphemeral: boolean;
  /**
   * SESSION_SECRET_PREVIOUS during a rollover: still accepted when verifying CSRF tokens and signed
   * values, never used to sign new ones. Empty otherwise.
   */
  readonly previousSessionSecrets: readonly string[];
  readonly trustProxy: boolean | number | string | undefined;
  readonly tokens: {
    readonly accessTokenTtl: number;
    readonly refreshTokenTtl: number;
    readonly refreshReuseGrace: number;
    /** Seconds from the person's approval after which a grant's refresh fails (approve again). */
    readonly grantMaxLifetime: number;
    readonly authorizationCodeTtl: number;
    readonly authorizationRequestTtl: number;
  };
  readonly loginSessionTtl: number;
  readonly devLogin: boolean;
  /** Undefined unless EMAIL_LOGIN=true and SMTP is configured. */
  readonly emailLogin: EmailLoginConfig | undefined;
  readonly providers: {
    readonly github: GithubProviderConfig | undefined;
    readonly google: GoogleProviderConfig | undefined;
    readonly oidc: OidcProviderConfig | undefined;
  };
  readonly allowedEmailDomains: readonly string[];
  /** Enterprise-managed authorization: identity assertion grants (ID-JAG) from the company IdPs. */
  readonly enterprise: {
    /** Issuers whose ID-JAGs are accepted: OIDC_ISSUER when company SSO is on, then ENTERPRISE_IDP_ISSUERS. */
    readonly idpIssuers: readonly string[];
    /** ENTERPRISE_IDP_CLIENTS: the clients that may present one; empty = every client that authenticates. */
    readonly clients: readonly string[];
  };
  /** Origins (scheme://host[:port]) allowed to call /mcp from a browser, besides the public origin. */
  readonly mcpAllowedOrigins: readonly string[];
  readonly rateLimits: {
    readonly registerPerHour: number;
    readonly authorizePerMinute: number;
    readonly tokenPerMinute: number;
  };
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  /** Port of the separate Prometheus listener; undefined = no metrics endpoint. */
  readonly metricsPort: number | undefined;
  /** When set, every response carries `X-Served-By: <id>` (e.g. the pod name), for tracing through a balancer. */
  readonly instanceId: string | undefined;
  /** Client ID Metadata Documents. */
  readonly cimd: {
    /** CIMD_ALLOWED_HOSTS: host suffixes of known client publishers (others are shown as unverified). */
    readonly allowedHosts: readonly string[];
    /** Development only: fetch documents over http from loopback hosts (never in production). */
    readonly allowInsecureLocalhost: boolean;
  };
  /** Lower-cased addresses of administrators (a signed-in user whose verified email is listed). */
  readonly adminEmails: readonly string[];
  /** Self-registered clients unused for this many days are deleted by the periodic cleanup. */
  readonly dcrClientTtlDays: number;
  /** Audit events older than this many days are deleted by the periodic cleanup; 0 keeps them forever. */
  readonly auditRetentionDays: number;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {})
      .slice(0, 1)
      .concat(flatten(e.children ?? [])),
  );
}

function parseTrustProxy(value: string | undefined): AppConfig['trustProxy'] {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * Validates an environment (process.env in production, a plain record in tests) and returns the
 * frozen AppConfig. Throws ConfigValidationError naming each bad variable and its fix.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  const picked: Record<string, string> = {};
  for (const name of ENVIRONMENT_VARIABLE_NAMES) {
    const value = source[name];
    if (value !== undefined) picked[name] = value.trim();
  }
  const env = plainToInstance(EnvironmentVariables, picked);
  const problems = flatten(validateSync(env, { whitelist: true, forbidUnknownValues: false }));

  const runtime = (env.NODE_ENV ?? 'development') as RuntimeEnvironment;
  const isProduction = runtime === 'production';
  const port = env.PORT ?? 3000;
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const devLogin = env.DEV_LOGIN === undefined ? !isProduction : env.DEV_LOGIN === 'true';

  // Dangerous combinations stop the boot in production (docs/architecture.md C9).
  if (isProduction) {
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
    if (!publicUrl.startsWith('https://')) {
      problems.push(
        'PUBLIC_URL must be an https:// URL when NODE_ENV=production (OAuth 2.1 requires TLS; MCP GEN-04)',
      );
    }
    if (devLogin) {
      problems.push(
        'DEV_LOGIN=true is refused when NODE_ENV=production; remove it and configure a real sign-in provider',
      );
    }
    const missingSmtp = [env.SMTP_URL ? '' : 'SMTP_URL', env.EMAIL_FROM ? '' : 'EMAIL_FROM'].filter(Boolean);
    if (env.EMAIL_LOGIN === 'true' && missingSmtp.length > 0) {
      problems.push(
        `EMAIL_LOGIN=true is refused without ${missingSmtp.join(' and ')} when NODE_ENV=production; set SMTP_URL (e.g. smtps://user:password@smtp.example.com:465) and EMAIL_FROM (e.g. "Example <no-reply@example.com>"), or remove EMAIL_LOGIN`,
      );
    }
    if (env.CIMD_ALLOW_INSECURE_LOCALHOST === 'true') {
      problems.push(
        'CIMD_ALLOW_INSECURE_LOCALHOST=true is refused when NODE_ENV=production; it lets client metadata be fetched from this machine over http',
      );
    }
  }

  const pair = (id: string | undefined, secret: string | undefined, prefix: string) => {
    if (id && !secret) problems.push(`${prefix}_CLIENT_SECRET is required when ${prefix}_CLIENT_ID is set`);
    if (!id && secret) problems.push(`${prefix}_CLIENT_ID is required when ${prefix}_CLIENT_SECRET is set`);
    return Boolean(id && secret);
  };
  const githubOn = pair(env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET, 'GITHUB');
  const googleOn = pair(env.GOOGLE_CLIENT_ID, env.GOOGLE_CLIENT_SECRET, 'GOOGLE');
  const oidcOn = pair(env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET, 'OIDC');
  if (oidcOn && !env.OIDC_ISSUER) problems.push('OIDC_ISSUER is required when OIDC_CLIENT_ID is set');

  const idpIssuers = oidcOn && env.OIDC_ISSUER ? [env.OIDC_ISSUER] : [];
  for (const issuer of list(env.ENTERPRISE_IDP_ISSUERS)) {
    let url: URL | undefined;
    try {
      url = new URL(issuer);
    } catch {
      url = undefined;
    }
    const loopback = url !== undefined && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    const secure = url?.protocol === 'https:' || (url?.protocol === 'http:' && loopback && !isProduction);
    if (!url || !secure || url.search || url.hash || url.username) {
      problems.push(
        `ENTERPRISE_IDP_ISSUERS entry "${issuer}" must be an issuer URL such as https://login.example.com (https, no query)`,
      );
    } else if (!idpIssuers.includes(issuer)) {
      idpIssuers.push(issuer);
    }
  }

  const mcpAllowedOrigins: string[] = [];
  for (const origin of list(env.MCP_ALLOWED_ORIGINS)) {
    try {
      const parsed = new URL(origin);
      if (parsed.origin === 'null' || parsed.origin !== origin.replace(/\/$/, ''))
        throw new Error('not an origin');
      mcpAllowedOrigins.push(parsed.origin);
    } catch {
      problems.push(
        `MCP_ALLOWED_ORIGINS entry "${origin}" must be an origin such as https://app.example.com`,
      );
    }
  }

  const viewsDir = env.VIEWS_DIR === undefined ? undefined : resolve(env.VIEWS_DIR);
  if (viewsDir !== undefined && !isDirectory(viewsDir)) {
    problems.push(`VIEWS_DIR "${env.VIEWS_DIR}" is not a folder; point it at a folder of .hbs templates`);
  }
  if (env.SESSION_SECRET_PREVIOUS && !env.SESSION_SECRET) {
    problems.push('SESSION_SECRET_PREVIOUS needs SESSION_SECRET (the new secret) to be set as well');
  }

  if (problems.length > 0) throw new ConfigValidationError(problems);

  const githubApi = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  const config: AppConfig = {
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
    viewsDir,
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
    tokens: {
      accessTokenTtl: env.ACCESS_TOKEN_TTL ?? 3600,
      refreshTokenTtl: env.REFRESH_TOKEN_TTL ?? 2592000,
      refreshReuseGrace: env.REFRESH_TOKEN_REUSE_GRACE ?? 30,
      grantMaxLifetime: env.GRANT_MAX_LIFETIME ?? 7776000,
      authorizationCodeTtl: 60,
      authorizationRequestTtl: 600,
    },
    loginSessionTtl: env.LOGIN_SESSION_TTL ?? 7 * 24 * 3600,
    devLogin,
    emailLogin:
      env.EMAIL_LOGIN === 'true' && env.SMTP_URL && env.EMAIL_FROM
        ? {
            smtpUrl: env.SMTP_URL,
            from: env.EMAIL_FROM,
            perAddressPerHour: env.RATE_LIMIT_EMAIL_LINK_PER_ADDRESS_PER_HOUR ?? 5,
            perIpPerHour: env.RATE_LIMIT_EMAIL_LINK_PER_IP_PER_HOUR ?? 30,
          }
        : undefined,
    providers: {
      github: githubOn
        ? {
            clientId: env.GITHUB_CLIENT_ID!,
            clientSecret: env.GITHUB_CLIENT_SECRET!,
            authorizationUrl: env.GITHUB_AUTHORIZATION_URL ?? 'https://github.com/login/oauth/authorize',
            tokenUrl: env.GITHUB_TOKEN_URL ?? 'https://github.com/login/oauth/access_token',
            userProfileUrl: env.GITHUB_USER_PROFILE_URL ?? `${githubApi}/user`,
            userEmailUrl: env.GITHUB_USER_EMAIL_URL ?? `${githubApi}/user/emails`,
            apiUrl: githubApi,
            allowedOrgs: list(env.GITHUB_ALLOWED_ORGS).map((o) => o.toLowerCase()),
          }
        : undefined,
      google: googleOn
        ? {
            clientId: env.GOOGLE_CLIENT_ID!,
            clientSecret: env.GOOGLE_CLIENT_SECRET!,
            authorizationUrl: env.GOOGLE_AUTHORIZATION_URL ?? 'https://accounts.google.com/o/oauth2/v2/auth',
            tokenUrl: env.GOOGLE_TOKEN_URL ?? 'https://oauth2.googleapis.com/token',
            userProfileUrl: env.GOOGLE_USER_PROFILE_URL ?? 'https://openidconnect.googleapis.com/v1/userinfo',
          }
        : undefined,
      oidc: oidcOn
        ? {
            issuer: env.OIDC_ISSUER!,
            clientId: env.OIDC_CLIENT_ID!,
            clientSecret: env.OIDC_CLIENT_SECRET!,
            displayName: env.OIDC_DISPLAY_NAME ?? 'Company SSO',
            scopes: list((env.OIDC_SCOPES ?? 'openid,email,profile').replace(/\s+/g, ',')),
          }
        : undefined,
    },
    allowedEmailDomains: list(env.ALLOWED_EMAIL_DOMAINS).map((d) => d.toLowerCase()),
    enterprise: { idpIssuers, clients: list(env.ENTERPRISE_IDP_CLIENTS) },
    mcpAllowedOrigins,
    rateLimits: {
      registerPerHour: env.RATE_LIMIT_REGISTER_PER_HOUR ?? 20,
      authorizePerMinute: env.RATE_LIMIT_AUTHORIZE_PER_MINUTE ?? 60,
      tokenPerMinute: env.RATE_LIMIT_TOKEN_PER_MINUTE ?? 600,
    },
    logLevel: (env.LOG_LEVEL ?? 'info') as LogLevel,
    shutdownTimeoutMs: (env.SHUTDOWN_TIMEOUT ?? 25) * 1000,
    metricsPort: env.METRICS_PORT,
    instanceId: env.INSTANCE_ID,
    cimd: {
      allowedHosts: list(env.CIMD_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      allowInsecureLocalhost: env.CIMD_ALLOW_INSECURE_LOCALHOST === 'true',
    },
    adminEmails: list(env.ADMIN_EMAILS).map((e) => e.toLowerCase()),
    dcrClientTtlDays: env.DCR_CLIENT_TTL_DAYS ?? 90,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS ?? 365,
  };
  return deepFreeze(config);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
