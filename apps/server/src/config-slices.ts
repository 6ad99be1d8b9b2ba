import { ADMIN_CONFIG } from '@app/account';
import { AUDIT_CONFIG } from '@app/audit';
import { CORE_CONFIG, loadConfig, variableNames, type AppConfig, type ConfigSlice } from '@app/config';
import {
  EMAIL_LOGIN_CONFIG,
  GITHUB_CONFIG,
  GOOGLE_CONFIG,
  OIDC_CONFIG,
  SIGN_IN_CONFIG,
  UPSTREAM_TOKEN_CONFIG,
} from '@app/identity';
import { MCP_CONFIG } from '@app/mcp';
import { CIMD_CONFIG, ENTERPRISE_CONFIG, OAUTH_CONFIG } from '@app/oauth';
import { TOOL_MODULES_CONFIG } from './tool-modules.config';

/**
 * Every library's slice of the environment, composed like ENTITIES in schema.ts: the order here is the
 * order of docs/operations.md's configuration reference (libs/config's own slice comes first).
 */
export const CONFIG_SLICES: readonly ConfigSlice<object, object>[] = [
  OAUTH_CONFIG,
  CIMD_CONFIG,
  SIGN_IN_CONFIG,
  GITHUB_CONFIG,
  GOOGLE_CONFIG,
  OIDC_CONFIG,
  ENTERPRISE_CONFIG,
  EMAIL_LOGIN_CONFIG,
  UPSTREAM_TOKEN_CONFIG,
  MCP_CONFIG,
  TOOL_MODULES_CONFIG,
  ADMIN_CONFIG,
  AUDIT_CONFIG,
];

/** libs/config's slice and every library's, as the reference table lists them. */
export const ALL_CONFIG_SLICES: readonly ConfigSlice<object, object>[] = [CORE_CONFIG, ...CONFIG_SLICES];

/** Every environment variable the product reads. */
export const ENVIRONMENT_VARIABLE_NAMES: readonly string[] = ALL_CONFIG_SLICES.flatMap(variableNames);

/** The server's configuration: the process environment (unless a source is given) validated against every slice. */
export function loadAppConfig(source?: Record<string, string | undefined>): AppConfig {
  return loadConfig(source, CONFIG_SLICES);
}
