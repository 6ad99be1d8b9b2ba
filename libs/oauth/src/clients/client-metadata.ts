import { isSafeLine, isVisibleAscii } from '@app/persistence';
import type { ScopeRegistry } from '../ports/scope-registry';
import { InvalidClientMetadataError, InvalidRedirectUriError } from '../common/oauth-errors';
import { narrowScopes, parseScope, formatScope } from '../common/scopes';
import type {
  ClientGrantType,
  JsonWebKeySet,
  TokenEndpointAuthMethod,
} from '../entities/oauth-client.entity';
import { checkedJwks, checkedJwksUri } from './client-keys';
import {
  applicationTypeProblem,
  checkRedirectUri,
  isPrivateUseUri,
  type ApplicationType,
  type RedirectUriProblem,
} from './redirect-uri';

/** Client metadata after validation (RFC 7591 §2), in the server's own vocabulary. */
export interface ValidatedClientMetadata {
  redirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  grantTypes: ClientGrantType[];
  responseTypes: string[];
  clientName: string | null;
  clientUri: string | null;
  logoUri: string | null;
  tosUri: string | null;
  policyUri: string | null;
  contacts: string[];
  scope: string | null;
  softwareId: string | null;
  softwareVersion: string | null;
  applicationType: ApplicationType;
  jwks: JsonWebKeySet | null;
  jwksUri: string | null;
}

/** Who is registering, and what this server allows them (the defaults are those of RFC 7591 DCR). */
export interface MetadataRules {
  /** 'dcr': RFC 7591 self-registration; 'admin': an administrator; 'cimd': a metadata document. */
  readonly via: 'dcr' | 'admin' | 'cimd';
  /** CLIENT_CREDENTIALS_GRANT. */
  readonly clientCredentials: boolean;
  /** CIMD_ALLOW_INSECURE_LOCALHOST: an http jwks_uri on loopback (development). */
  readonly allowInsecureLocalhost: boolean;
}

const DCR_RULES: MetadataRules = { via: 'dcr', clientCredentials: false, allowInsecureLocalhost: false };

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
];
const GRANT_TYPES: readonly ClientGrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];

const REDIRECT_PROBLEM_TEXT: Record<RedirectUriProblem, string> = {
  not_a_url: 'is not an absolute URI',
  fragment: 'must not contain a fragment',
  forbidden_scheme: 'uses a scheme that is not allowed',
  http_not_loopback: 'must use https (http is allowed only for localhost, 127.0.0.1 and [::1])',
  userinfo: 'must not contain user information',
  too_long: 'is too long',
  bad_characters: 'contains spaces, control or non-ASCII characters (percent-encode them, RFC 3986 §2)',
  response_parameter:
    'must not carry code, state, iss, error, error_description or error_uri query parameters (the authorization response adds them, RFC 9207 §2.4)',
  scheme_not_reverse_domain:
    'must use a private-use scheme in reverse domain name form, e.g. com.example.app:/callback (RFC 8252 §7.1)',
};

const invalid = (message: string) => new InvalidClientMetadataError(message);

function optionalString(body: Record<string, unknown>, field: string, max: number): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.length > max) throw invalid(`${field} is longer than ${max} characters`);
  // No control character (NUL, CR, LF ...) and no unpaired surrogate: shown to people, stored in text.
  if (!isSafeLine(value)) throw invalid(`${field} contains control characters or invalid Unicode`);
  return value.length > 0 ? value : null;
}

/** An identifier-like field (software_id, application_type): visible ASCII, no spaces. */
function optionalAsciiToken(body: Record<string, unknown>, field: string, max: number): string | null {
  const value = optionalString(body, field, max);
  if (value !== null && !isVisibleAscii(value)) {
    throw invalid(`${field} must be visible ASCII characters without spaces`);
  }
  return value;
}

/** A web page URL shown to users: https only (http on loopback for development). */
function optionalWebUrl(body: Record<string, unknown>, field: string): string | null {
  const value = optionalString(body, field, 2048);
  if (value === null) return null;
  if (!isVisibleAscii(value)) throw invalid(`${field} must be an absolute https URL without spaces`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${field} must be an absolute https URL`);
  }
  const loopback = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if ((url.protocol !== 'https:' && !loopback) || url.username || url.password) {
    throw invalid(`${field} must be an absolute https URL`);
  }
  return value;
}

function optionalStringArray(body: Record<string, unknown>, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalid(`${field} must be an array of strings`);
  }
  if ((value as string[]).some((v) => !isSafeLine(v))) {
    throw invalid(`${field} contains control characters or invalid Unicode`);
  }
  return [...new Set(value as string[])];
}

/**
 * Validates an RFC 7591 registration (or RFC 7592 update) body. Unknown fields are ignored (and not
 * echoed). Throws InvalidRedirectUriError / InvalidClientMetadataError (RFC 7591 §3.2.2).
 */
export function validateClientMetadata(
  body: unknown,
  scopes: ScopeRegistry,
  rules: MetadataRules = DCR_RULES,
): ValidatedClientMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object of client metadata');
  }
  const input = body as Record<string, unknown>;

  // redirect_uris: required for the authorization code grant (RFC 7591 §2).
  let redirectUris: string[] | undefined;
  const rawRedirectUris = input.redirect_uris;
  if (rawRedirectUris !== undefined && rawRedirectUris !== null) {
    if (!Array.isArray(rawRedirectUris) || rawRedirectUris.some((v) => typeof v !== 'string')) {
      throw new InvalidRedirectUriError('redirect_uris must be an array of URI strings');
    }
    redirectUris = [...new Set(rawRedirectUris as string[])];
  }
  // RFC 7591 §2: grant_types defaults to ["authorization_code"], response_types to ["code"].
  const grantTypesIn = optionalStringArray(input, 'grant_types') ?? ['authorization_code'];
  const usesCode = grantTypesIn.includes('authorization_code');
  redirectUris ??= [];
  if (usesCode && redirectUris.length === 0) {
    throw new InvalidRedirectUriError('redirect_uris is required and must list at least one URI');
  }
  if (redirectUris.length > 20)
    throw new InvalidRedirectUriError('At most 20 redirect_uris may be registered');
  for (const uri of redirectUris) {
    const problem = checkRedirectUri(uri);
    if (problem)
      throw new InvalidRedirectUriError(
        `redirect_uri ${JSON.stringify(uri.slice(0, 200))} ${REDIRECT_PROBLEM_TEXT[problem]}`,
      );
  }

  // RFC 7591 §2: the default is client_secret_basic.
  const method = input.token_endpoint_auth_method ?? 'client_secret_basic';
  if (typeof method !== 'string' || !AUTH_METHODS.includes(method as TokenEndpointAuthMethod)) {
    throw invalid(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  const tokenEndpointAuthMethod = method as TokenEndpointAuthMethod;

  const responseTypes = optionalStringArray(input, 'response_types') ?? (usesCode ? ['code'] : []);
  const supported = GRANT_TYPES.filter((g) => g !== 'client_credentials' || rules.clientCredentials);
  for (const g of grantTypesIn) {
    if (!supported.includes(g as ClientGrantType)) {
      throw invalid(
        `grant_types may contain only ${supported.join(', ')}; ${JSON.stringify(g.slice(0, 100))} is not supported`,
      );
    }
  }
  // RFC 7591 §2.1: response_type "code" goes with grant_type "authorization_code", and only with it;
  // a machine client (client_credentials without authorization_code) has no response type.
  const machineOnly = !usesCode && grantTypesIn.includes('client_credentials');
  if (machineOnly) {
    if (responseTypes.length > 0) {
      throw invalid('response_types must be [] when grant_types does not include authorization_code');
    }
  } else if (responseTypes.length === 0 || responseTypes.some((r) => r !== 'code')) {
    throw invalid('response_types must be ["code"]');
  } else if (!usesCode) {
    throw invalid('grant_types must include authorization_code when response_types is ["code"]');
  }
  const grantTypes = new Set(grantTypesIn as ClientGrantType[]);
  checkClientCredentials(grantTypes, tokenEndpointAuthMethod, rules);
  const keys = clientKeys(input, tokenEndpointAuthMethod, rules);
  // RFC 7591's default grant_types lacks refresh_token and real clients omit it; a public client
  // registered for authorization_code only is treated as allowing refresh too (see docs/endpoints.md, AS-RT-05).
  if (tokenEndpointAuthMethod === 'none') grantTypes.add('refresh_token');

  // Narrowed to what the server supports; informational (a later authorization may ask for more).
  const requestedScope = optionalString(input, 'scope', 1000);
  let scope: string | null = null;
  if (requestedScope !== null) {
    const parsed = parseScope(requestedScope);
    if (parsed === 'malformed') throw invalid('scope must be a space-separated list of scope tokens');
    const narrowed = parsed.length > 0 ? narrowScopes(parsed, scopes) : [];
    scope = narrowed.length > 0 ? formatScope(narrowed) : null;
  }

  const contacts = optionalStringArray(input, 'contacts') ?? [];
  if (contacts.length > 10 || contacts.some((c) => c.length > 320)) throw invalid('contacts is too long');

  const requestedType = optionalAsciiToken(input, 'application_type', 16);
  if (requestedType !== null && requestedType !== 'web' && requestedType !== 'native') {
    throw invalid('application_type must be web or native');
  }
  let applicationType: ApplicationType;
  if (requestedType !== null) {
    // OpenID Connect Dynamic Client Registration §2: the redirect URIs must suit the declared type.
    applicationType = requestedType;
    for (const uri of redirectUris) {
      const rule = applicationTypeProblem(applicationType, uri);
      if (rule)
        throw new InvalidRedirectUriError(`redirect_uri ${JSON.stringify(uri.slice(0, 200))}: ${rule}`);
    }
  } else {
    // Omitted: OIDC's default is web, but this server is no OpenID provider and the MCP 2026-07-28 client
    // registration lets non-OIDC servers ignore the parameter. Clients written before it (private-use
    // redirect URIs, no application_type) keep registering; the stored type is the one their URIs fit.
    applicationType = redirectUris.some(isPrivateUseUri) ? 'native' : 'web';
  }

  return {
    redirectUris,
    tokenEndpointAuthMethod,
    grantTypes: GRANT_TYPES.filter((g) => grantTypes.has(g)),
    responseTypes: usesCode ? ['code'] : [],
    ...keys,
    // Shown on the consent page: control and format characters (e.g. U+202E right-to-left override)
    // could disguise the name, so they are removed.
    clientName:
      optionalString(input, 'client_name', 200)
        ?.replace(/[\p{Cc}\p{Cf}]/gu, '')
        .trim() || null,
    clientUri: optionalWebUrl(input, 'client_uri'),
    logoUri: optionalWebUrl(input, 'logo_uri'),
    tosUri: optionalWebUrl(input, 'tos_uri'),
    policyUri: optionalWebUrl(input, 'policy_uri'),
    contacts,
    scope,
    softwareId: optionalAsciiToken(input, 'software_id', 200),
    softwareVersion: optionalString(input, 'software_version', 200),
    applicationType,
  };
}

/**
 * RFC 6749 §4.4, EXT-CC-01: the client_credentials grant is for confidential clients. The MCP client-credentials
 * extension has them registered out of band, not by dynamic registration: only an administrator
 * registers one (and only with CLIENT_CREDENTIALS_GRANT=true, checked by the caller's grant list).
 */
function checkClientCredentials(
  grantTypes: ReadonlySet<ClientGrantType>,
  method: TokenEndpointAuthMethod,
  rules: MetadataRules,
): void {
  if (!grantTypes.has('client_credentials')) return;
  if (rules.via !== 'admin') {
    throw invalid(
      'grant_types client_credentials is for machine clients an administrator registers (POST /api/admin/clients), not for self-registration',
    );
  }
  if (method === 'none') {
    throw invalid(
      'grant_types client_credentials needs a confidential client (token_endpoint_auth_method other than none)',
    );
  }
}

/** RFC 7591 §2: `jwks` or `jwks_uri` (never both) for private_key_jwt (RFC 7523 §2.2), and only for it. */
function clientKeys(
  input: Record<string, unknown>,
  method: TokenEndpointAuthMethod,
  rules: MetadataRules,
): { jwks: JsonWebKeySet | null; jwksUri: string | null } {
  const hasJwks = input.jwks !== undefined && input.jwks !== null;
  const hasUri = input.jwks_uri !== undefined && input.jwks_uri !== null;
  // Other methods ignore them (real public clients send an empty `jwks`; nothing here would use it).
  if (method !== 'private_key_jwt') return { jwks: null, jwksUri: null };
  if (hasJwks && hasUri) throw invalid('Send jwks or jwks_uri, not both (RFC 7591 §2)');
  if (!hasJwks && !hasUri) throw invalid('private_key_jwt needs the public keys: jwks or jwks_uri');
  return hasJwks
    ? { jwks: checkedJwks(input.jwks), jwksUri: null }
    : { jwks: null, jwksUri: checkedJwksUri(input.jwks_uri, rules.allowInsecureLocalhost) };
}
