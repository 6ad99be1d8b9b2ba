import type { ClassConstructor } from 'class-transformer';
import type { RuntimeEnvironment } from './app-config';

/** What the operations reference says about one variable: written once, beside its validation rule. */
export interface VariableDoc {
  /** What the setting does, in one line (Markdown). */
  readonly meaning: string;
  /** The value used when the variable is unset (Markdown), or `unset`. */
  readonly default: string;
}

/** The settings every slice may read while it checks and maps its own variables. */
export interface CoreFacts {
  readonly env: RuntimeEnvironment;
  readonly isProduction: boolean;
  readonly port: number;
  /** Public base URL without a trailing slash. */
  readonly publicUrl: string;
}

/**
 * One library's part of the environment: its variables (a class-validator class, one property per
 * variable), the meaning of each, the checks that span several variables (production refusals
 * included), and the mapping to the typed settings it adds to AppConfig. The library that reads the
 * settings owns its slice; apps/server hands every slice to loadConfig.
 */
export interface ConfigSlice<E extends object = object, T extends object = object> {
  /** The class whose decorated properties are the slice's variables and their rules. */
  readonly schema: ClassConstructor<E>;
  /** Every variable of the schema, in the order of the reference table, with its meaning and default. */
  readonly variables: { readonly [K in keyof E & string]-?: VariableDoc };
  /** Problems that need several variables or the runtime (e.g. refused in production). */
  readonly check?: (env: E, core: CoreFacts) => string[];
  /**
   * The typed settings it adds to AppConfig (declared beside the slice with
   * `declare module '@app/config' { interface AppConfig { … } }`), called only when no slice reported a
   * problem. An object two slices both return (`providers`) is merged one level deep.
   */
  readonly map: (env: E, core: CoreFacts) => T;
}

/** Declares a slice; only a helper for type inference. */
export function defineConfigSlice<E extends object, T extends object>(
  slice: ConfigSlice<E, T>,
): ConfigSlice<E, T> {
  return slice;
}

/** The variable names of a slice, in its order. */
export const variableNames = (slice: ConfigSlice<object, object>): string[] => Object.keys(slice.variables);

// Helpers for the slices' schemas and mappings.

/** `@Transform(toInt)`: a decimal string becomes a number, '' becomes unset. */
export const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value === '' ? undefined : value;
/** `@Transform(blankToUndefined)`: an empty value counts as unset. */
export const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
/** Options of `@IsUrl` for an absolute http(s) URL. */
export const httpUrl = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** A comma list, trimmed, without empty entries. */
export const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
