import type { AppConfig } from '@app/config';
import {
  ASSERTION_SIGNING_ALGORITHMS,
  JWT_BEARER_GRANT_TYPE,
  trustedIdpIssuers,
  type ScopeRegistry,
} from '@app/oauth';

/** Paths of the authorization server's endpoints (served by OAuthModule). One list, used here only. */
export const OAUTH_ENDPOINT_PATHS = {
  authorization: '/oauth/authorize',
  token: '/api/oauth/token',
  registration: '/api/oauth/register',
  revocation: '/api/oauth/revoke',
  introspection: '/api/oauth/introspect',
} as const;

/** Path of the MCP endpoint relative to PUBLIC_URL. */
export const MCP_PATH = '/mcp';

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
/** Introspection is for confidential clients: every method but none. */
const CONFIDENTIAL_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** The ID-JAG grant profile (ID-JAG draft, Resource Authorization Server Metadata; EXT-EMA-01). */
export const ID_JAG_GRANT_PROFILE = 'urn:ietf:params:oauth:grant-profile:id-jag';

/** The path part of PUBLIC_URL ('' when it is an origin). */
function basePath(config: AppConfig): string {
  return new URL(config.publicUrl).pathname.replace(/\/+$/, '');
}

/**
 * RFC 9728 §3.1: the well-known suffix goes between the host and the resource's path, so
 * https://h/base/mcp → https://h/.well-known/oauth-protected-resource/base/mcp (RS-PRM-05/06).
 */
export function protectedResourceMetadataUrl(config: AppConfig): string {
  const origin = new URL(config.publicUrl).origin;
  return `${origin}/.well-known/oauth-protected-resource${basePath(config)}${MCP_PATH}`;
}

/** RFC 8414 §3: for an issuer with a path, the suffix is inserted before it (AS-MD-06). */
export function authorizationServerMetadataUrl(config: AppConfig): string {
  const origin = new URL(config.publicUrl).origin;
  return `${origin}/.well-known/oauth-authorization-server${basePath(config)}`;
}

/**
 * Local request paths (as the app sees them, after a proxy strips PUBLIC_URL's path) at which each
 * document is served. Both the root and the path-inserted forms, so that a client following either
 * rule finds it (RS-PRM-11, AS-MD-06).
 */
export function documentPaths(config: AppConfig): {
  authorizationServer: string[];
  protectedResource: string[];
} {
  const base = basePath(config);
  const as = ['/.well-known/oauth-authorization-server'];
  const prm = ['/.well-known/oauth-protected-resource', `/.well-known/oauth-protected-resource${MCP_PATH}`];
  if (base) {
    as.push(`/.well-known/oauth-authorization-server${base}`);
    prm.push(
      `/.well-known/oauth-protected-resource${base}${MCP_PATH}`,
      `/.well-known/oauth-protected-resource${base}`,
    );
  }
  return { authorizationServer: as, protectedResource: prm };
}

/** RFC 8414 authorization server metadata: every endpoint the server has, and nothing it lacks. */
export function buildAuthorizationServerMetadata(
  config: AppConfig,
  scopes: ScopeRegistry,
): Record<string, unknown> {
  const url = (path: string) => `${config.publicUrl}${path}`;
  // EXT-EMA-01: with a trusted company IdP, ID-JAGs are accepted; the profile goes with its grant type.
  const enterprise = trustedIdpIssuers(config).length > 0;
  return {
    // AS-MD-08: the issuer is PUBLIC_URL exactly, the same string as in PRM authorization_servers.
    issuer: config.issuer,
    authorization_endpoint: url(OAUTH_ENDPOINT_PATHS.authorization),
    token_endpoint: url(OAUTH_ENDPOINT_PATHS.token),
    registration_endpoint: url(OAUTH_ENDPOINT_PATHS.registration),
    revocation_endpoint: url(OAUTH_ENDPOINT_PATHS.revocation),
    introspection_endpoint: url(OAUTH_ENDPOINT_PATHS.introspection),
    // MCP 2026-07-28 (Refresh Tokens): offline_access is advertised here, by the authorization server only.
    scopes_supported: [
      ...scopes
        .all()
        .map((s) => s.name)
        .filter((s) => s !== 'offline_access'),
      'offline_access',
    ],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    // EXT-CC-08: client_credentials only when CLIENT_CREDENTIALS_GRANT=true.
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      ...(config.clientCredentialsGrant ? ['client_credentials'] : []),
      ...(enterprise ? [JWT_BEARER_GRANT_TYPE] : []),
    ],
    ...(enterprise ? { authorization_grant_profiles_supported: [ID_JAG_GRANT_PROFILE] } : {}),
    // AS-MD-10 / AS-PK-02: present, and S256 only.
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: CONFIDENTIAL_AUTH_METHODS,
    // EXT-CC-03, RFC 8414 §2 / RFC 7523 §2.2: the JWS algorithms private_key_jwt assertions may use (no none, no HS*).
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGORITHMS,
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGORITHMS,
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGORITHMS,
    // RFC 9207 / AS-PK-08, AS-MD-13: `iss` is sent in every authorization response.
    authorization_response_iss_parameter_supported: true,
    // AS-MD-11 / AS-REG-02: a client_id may be an https URL naming a Client ID Metadata Document.
    client_id_metadata_document_supported: true,
    service_documentation: `${config.publicUrl}/`,
  };
}

/** RFC 9728 protected resource metadata for the MCP endpoint. */
export function buildProtectedResourceMetadata(
  config: AppConfig,
  scopes: ScopeRegistry,
): Record<string, unknown> {
  return {
    // RS-PRM-03/04: the MCP canonical URI, identical to what clients connect to.
    resource: config.mcpResource,
    // RS-PRM-02: at least one authorization server; ours, by its exact issuer string.
    authorization_servers: [config.issuer],
    // RS-PRM-10: only the minimal default set; RS-PRM-09: never offline_access.
    scopes_supported: scopes.defaults().filter((s) => s !== 'offline_access'),
    bearer_methods_supported: ['header'],
    resource_name: config.productName,
    resource_documentation: `${config.publicUrl}/`,
  };
}
