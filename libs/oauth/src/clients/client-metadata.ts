import type { ScopeRegistry } from '../ports/scope-registry';
import { InvalidClientMetadataError, InvalidRedirectUriError } from '../common/oauth-errors';
import { narrowScopes, parseScope, formatScope } from '../common/scopes';
import type { ClientGrantType, TokenEndpointAuthMethod } from '../entities/oauth-client.entity';
import { checkRedirectUri, type RedirectUriProblem } from './redirect-uri';

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
  applicationType: string | null;
}

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
];
const GRANT_TYPES: readonly ClientGrantType[] = ['authorization_code', 'refresh_token'];

const REDIRECT_PROBLEM_TEXT: Record<RedirectUriProblem, string> = {
  not_a_url: 'is not an absolute URI',
  fragment: 'must not contain a fragment',
  forbidden_scheme: 'uses a scheme that is not allowed',
  http_not_loopback: 'must use https (http is allowed only for localhost, 127.0.0.1 and [::1])',
  userinfo: 'must not contain user information',
  too_long: 'is too long',
};

const invalid = (message: string) => new InvalidClientMetadataError(message);

function optionalString(body: Record<string, unknown>, field: string, max: number): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.length > max) throw invalid(`${field} is longer than ${max} characters`);
  return value.length > 0 ? value : null;
}

/** A web page URL shown to users: https only (http on loopback for development). */
function optionalWebUrl(body: Record<string, unknown>, field: string): string | null {
  const value = optionalString(body, field, 2048);
  if (value === null) return null;
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
  return [...new Set(value as string[])];
}

/**
 * Validates an RFC 7591 registration (or RFC 7592 update) body. Unknown fields are ignored (and not
 * echoed). Throws InvalidRedirectUriError / InvalidClientMetadataError (RFC 7591 §3.2.2).
 */
export function validateClientMetadata(body: unknown, scopes: ScopeRegistry): ValidatedClientMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object of client metadata');
  }
  const input = body as Record<string, unknown>;

  // redirect_uris: required for the authorization code grant (RFC 7591 §2).
  let redirectUris: string[] | undefined;
  try {
    redirectUris = optionalStringArray(input, 'redirect_uris');
  } catch {
    throw new InvalidRedirectUriError('redirect_uris must be an array of URI strings');
  }
  if (!redirectUris || redirectUris.length === 0) {
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

  // RFC 7591 §2: grant_types defaults to ["authorization_code"], response_types to ["code"].
  const grantTypesIn = optionalStringArray(input, 'grant_types') ?? ['authorization_code'];
  const responseTypes = optionalStringArray(input, 'response_types') ?? ['code'];
  for (const g of grantTypesIn) {
    if (!GRANT_TYPES.includes(g as ClientGrantType)) {
      throw invalid(
        `grant_types may contain only ${GRANT_TYPES.join(' and ')}; ${JSON.stringify(g.slice(0, 100))} is not supported`,
      );
    }
  }
  if (responseTypes.length === 0 || responseTypes.some((r) => r !== 'code')) {
    throw invalid('response_types must be ["code"]');
  }
  // RFC 7591 §2.1: response_type "code" goes with grant_type "authorization_code".
  if (!grantTypesIn.includes('authorization_code')) {
    throw invalid('grant_types must include authorization_code when response_types is ["code"]');
  }
  const grantTypes = new Set(grantTypesIn as ClientGrantType[]);
  // RFC 7591's default grant_types lacks refresh_token and real clients omit it; a public client
  // registered for authorization_code only is treated as allowing refresh too (see README, AS-RT-05).
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

  const applicationType = optionalString(input, 'application_type', 16);
  if (applicationType !== null && !['web', 'native'].includes(applicationType)) {
    throw invalid('application_type must be web or native');
  }

  return {
    redirectUris,
    tokenEndpointAuthMethod,
    grantTypes: GRANT_TYPES.filter((g) => grantTypes.has(g)),
    responseTypes: ['code'],
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
    softwareId: optionalString(input, 'software_id', 200),
    softwareVersion: optionalString(input, 'software_version', 200),
    applicationType,
  };
}
