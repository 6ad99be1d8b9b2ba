import { InvalidClientMetadataError } from '../common/oauth-errors';
import { ASYMMETRIC_SIGNING_ALGORITHMS } from '../jose/signing-algorithms';
import type { JsonWebKeySet, TokenEndpointAuthMethod } from '../entities/oauth-client.entity';

/**
 * JWS algorithms a private_key_jwt assertion may use (RFC 7523 §2.2): the shared asymmetric list.
 * Advertised as token_endpoint_auth_signing_alg_values_supported (RFC 8414 §2).
 */
export const ASSERTION_SIGNING_ALGORITHMS = ASYMMETRIC_SIGNING_ALGORITHMS;

/** Key types that can verify those algorithms (RFC 7518 §6, RFC 8037 §2). */
const PUBLIC_KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);
/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_KEYS = 10;
const MAX_JWKS_BYTES = 16 * 1024;

/** Why a JWK Set cannot be used, or null when it can. */
export function jwksProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object';
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'must have a non-empty "keys" array (RFC 7517 §5)';
  if (keys.length > MAX_KEYS) return `may hold at most ${MAX_KEYS} keys`;
  if (JSON.stringify(value).length > MAX_JWKS_BYTES) return `is larger than ${MAX_JWKS_BYTES} bytes`;
  for (const key of keys as unknown[]) {
    if (typeof key !== 'object' || key === null || Array.isArray(key))
      return 'holds a key that is not an object';
    const jwk = key as Record<string, unknown>;
    if (typeof jwk.kty !== 'string' || !PUBLIC_KEY_TYPES.has(jwk.kty)) {
      return 'may hold only RSA, EC or OKP public keys (kty)';
    }
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) return 'must hold public keys only (a private key was sent)';
    if (jwk.use !== undefined && jwk.use !== 'sig') return 'holds a key whose "use" is not "sig"';
    if (jwk.kid !== undefined && typeof jwk.kid !== 'string')
      return 'holds a key whose "kid" is not a string';
  }
  return null;
}

/** A JWK Set from client metadata (RFC 7591 §2 `jwks`), checked and copied; throws invalid_client_metadata. */
export function checkedJwks(value: unknown): JsonWebKeySet {
  const problem = jwksProblem(value);
  if (problem) throw new InvalidClientMetadataError(`jwks ${problem}`);
  return { keys: (value as JsonWebKeySet).keys.map((k) => ({ ...k })) };
}

/**
 * RFC 7591 §2 `jwks_uri`: an absolute https URL without credentials or fragment (http only on loopback
 * with the development setting, like a metadata document URL). Whether its host may be fetched from is
 * decided at fetch time by the metadata-document address rules (SEC-04).
 */
export function checkedJwksUri(value: unknown, allowInsecureLocalhost: boolean): string {
  const bad = () =>
    new InvalidClientMetadataError('jwks_uri must be an absolute https URL without credentials or fragment');
  if (typeof value !== 'string' || value.length > 2048 || !/^[\x21-\x7e]+$/.test(value)) throw bad();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad();
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname.toLowerCase());
  const scheme =
    url.protocol === 'https:' || (url.protocol === 'http:' && loopback && allowInsecureLocalhost);
  if (!scheme || url.username || url.password || value.includes('#')) throw bad();
  return value;
}

/** Whether a token_endpoint_auth_method presents a client secret (RFC 6749 §2.3.1). */
export function usesSecret(method: TokenEndpointAuthMethod): boolean {
  return method === 'client_secret_basic' || method === 'client_secret_post';
}
