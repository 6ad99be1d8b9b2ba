import { createHash } from 'node:crypto';
import { hasUnstorableJson } from '@app/persistence';
import { OAuthError } from '../common/oauth-errors';
import { validateClientMetadata, type ValidatedClientMetadata } from '../clients/client-metadata';
import type { ScopeRegistry } from '../ports/scope-registry';

/** Longest URL client_id accepted (the document URL is also the cache key). */
export const MAX_URL_CLIENT_ID = 2000;

/** Whether a client_id names a Client ID Metadata Document (AS-REG-05) rather than a registered client. */
export function isUrlClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

/**
 * The oauth_clients row that stands for a URL client: grants, codes and tokens reference it like any
 * client. Derived from the URL, at most 64 characters, and never accepted as a client_id itself.
 */
export function internalClientId(url: string): string {
  return `cimd_${createHash('sha256').update(url).digest('base64url')}`;
}

/** A problem with a URL client_id or its document; the endpoints turn it into invalid_client. */
export class CimdClientError extends Error {
  constructor(
    readonly description: string,
    /** Audit outcome. */
    readonly outcome: string,
  ) {
    super(description);
    this.name = 'CimdClientError';
  }
}

/**
 * AS-REG-05: an https URL with a path (http on loopback only with the development setting), no
 * fragment, no credentials, no dot segments.
 */
export function checkUrlClientId(clientId: string, allowInsecureLocalhost: boolean): URL {
  const bad = (why: string) => new CimdClientError(`The client_id URL ${why}`, 'invalid_url');
  if (clientId.length > MAX_URL_CLIENT_ID) throw bad(`is longer than ${MAX_URL_CLIENT_ID} characters`);
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw bad('is not a valid URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname.toLowerCase());
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowInsecureLocalhost && loopback)) {
    throw bad('must use https');
  }
  if (url.username || url.password) throw bad('must not contain a user name or password');
  if (clientId.includes('#')) throw bad('must not contain a fragment');
  if (url.pathname === '/' || url.pathname === '')
    throw bad('must have a path (e.g. https://app.example/client.json)');
  if (/\/\.\.?(\/|$)/.test(clientId.replace(/[?].*$/, '').slice(url.protocol.length + 2))) {
    throw bad('must not contain . or .. path segments');
  }
  return url;
}

/**
 * AS-REG-04 / AS-REG-05: the document is a JSON object whose client_id is exactly the URL, with
 * client_name and redirect_uris, valid under the registration rules (RFC 7591), for a public client.
 */
export function validateClientDocument(
  url: string,
  document: unknown,
  scopes: ScopeRegistry,
  allowInsecureLocalhost = false,
): ValidatedClientMetadata {
  const bad = (why: string, outcome = 'invalid_document') =>
    new CimdClientError(`The client metadata document ${why}`, outcome);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw bad('is not a JSON object');
  }
  // A NUL or an unpaired surrogate anywhere (even in a field this server ignores) cannot be kept in
  // PostgreSQL's jsonb and is no valid Unicode text (RFC 8259 §8.2).
  if (hasUnstorableJson(document))
    throw bad('contains a NUL character or invalid Unicode (a lone surrogate)');
  const doc = document as Record<string, unknown>;
  if (doc.client_id !== url) throw bad('has a client_id that is not exactly its URL', 'client_id_mismatch');
  if (typeof doc.client_name !== 'string' || doc.client_name.trim() === '') {
    throw bad('has no client_name');
  }
  if (doc.redirect_uris === undefined) throw bad('has no redirect_uris');
  // A document cannot carry a shared secret: a public client, or private_key_jwt with its public keys
  // (jwks or jwks_uri, RFC 7523 §2.2).
  const method = doc.token_endpoint_auth_method ?? 'none';
  if (method !== 'none' && method !== 'private_key_jwt') {
    throw bad(
      'must use token_endpoint_auth_method none or private_key_jwt (a document cannot carry a client secret)',
    );
  }
  if (doc.client_secret !== undefined || doc.client_secret_expires_at !== undefined) {
    throw bad('must not contain a client_secret');
  }
  try {
    return validateClientMetadata({ ...doc, token_endpoint_auth_method: method }, scopes, {
      via: 'cimd',
      clientCredentials: false,
      allowInsecureLocalhost,
    });
  } catch (error) {
    if (error instanceof OAuthError) throw bad(`is invalid: ${error.description}`);
    throw error;
  }
}
