import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { CORE_CONFIG } from './core.config';
import { variableNames, type ConfigSlice, type CoreFacts } from './slice';

export type RuntimeEnvironment = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The settings of libs/config's own slice (core.config.ts): what every deployment has. */
export interface CoreSettings {
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
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  /** Port of the separate Prometheus listener; undefined = no metrics endpoint. */
  readonly metricsPort: number | undefined;
  /** When set, every response carries `X-Served-By: <id>` (e.g. the pod name), for tracing through a balancer. */
  readonly instanceId: string | undefined;
}

/**
 * The upstream sign-in providers, one property per provider. Each provider's slice in libs/identity
 * adds its property (`declare module '@app/config' { interface SignInProviders { … } }`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SignInProviders {}

/**
 * The validated, typed and frozen configuration. Nothing but libs/config reads process.env.
 * libs/config declares the core settings; every other property is declared by the library whose
 * slice maps it (`declare module '@app/config' { interface AppConfig { … } }` beside the slice).
 */
export interface AppConfig extends CoreSettings {
  readonly providers: SignInProviders;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {})
      .slice(0, 1)
      .concat(flatten(e.children ?? [])),
  );
}

/** The slice's variables read from the source (trimmed) and validated; problems are appended. */
function validateSlice(
  slice: ConfigSlice,
  source: Record<string, string | undefined>,
  problems: string[],
): object {
  const picked: Record<string, string> = {};
  for (const name of variableNames(slice)) {
    const value = source[name];
    if (value !== undefined) picked[name] = value.trim();
  }
  const env = plainToInstance(slice.schema, picked);
  problems.push(...flatten(validateSync(env, { whitelist: true, forbidUnknownValues: false })));
  return env;
}

/** Merges the slices' settings; an object that two slices both fill (e.g. `providers`) is merged one level. */
function merge(target: Record<string, unknown>, part: object): void {
  for (const [key, value] of Object.entries(part)) {
    const existing = target[key];
    const plain = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    target[key] = plain(existing) && plain(value) ? { ...(existing as object), ...(value as object) } : value;
  }
}

/**
 * Validates an environment (process.env in production, a plain record in tests) against libs/config's
 * own slice and the given ones, and returns the frozen AppConfig. Throws ConfigValidationError naming
 * each bad variable and its fix. The server passes every slice (apps/server/src/config-slices.ts); a
 * unit test passes only the slices whose settings it reads.
 */
export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  slices: readonly ConfigSlice<object, object>[] = [],
): AppConfig {
  const all = [CORE_CONFIG, ...slices] as unknown as ConfigSlice[];
  const problems: string[] = [];
  const envs = all.map((slice) => validateSlice(slice, source, problems));

  const core = envs[0] as { NODE_ENV?: string; PORT?: number; PUBLIC_URL?: string };
  const runtime = (core.NODE_ENV ?? 'development') as RuntimeEnvironment;
  const port = core.PORT ?? 3000;
  const facts: CoreFacts = {
    env: runtime,
    isProduction: runtime === 'production',
    port,
    publicUrl: (core.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
  };
  all.forEach((slice, i) => problems.push(...(slice.check?.(envs[i], facts) ?? [])));
  if (problems.length > 0) throw new ConfigValidationError(problems);

  const config: Record<string, unknown> = { providers: {} };
  all.forEach((slice, i) => merge(config, slice.map(envs[i], facts)));
  return deepFreeze(config as unknown as AppConfig);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
