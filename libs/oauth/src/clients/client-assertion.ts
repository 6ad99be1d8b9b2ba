import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { ASSERTION_SIGNING_ALGORITHMS } from './client-keys';

/** RFC 7523 §2.2: the one client_assertion_type this server knows. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Longest assertion read (a signed JWT with a few claims is well under 2 kB). */
const MAX_ASSERTION_LENGTH = 8192;
/** RFC 7523 §3 item 4: this server bounds how far in the future `exp` may be. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 600;
/** Clock difference tolerated between the client and this server. */
const CLOCK_SKEW_SECONDS = 30;

/** A refused assertion: `detail` goes to the log only; every one is invalid_client (RFC 7521 §4.2.1). */
export class ClientAssertionError extends Error {
  constructor(
    readonly description: string,
    readonly detail: string,
  ) {
    super(description);
    this.name = 'ClientAssertionError';
  }
}

const refuse = (detail: string, description = 'The client assertion is not valid') =>
  new ClientAssertionError(description, detail);

/**
 * The client an assertion claims to come from, read before its signature is checked (to find the
 * keys): RFC 7523 §3 items 1–2, `iss` and `sub` are both the client_id.
 */
export function assertedClientId(assertion: string): string {
  if (assertion.length > MAX_ASSERTION_LENGTH) throw refuse('assertion too long');
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw refuse('not a JWT', 'The client assertion is not a signed JWT (RFC 7523 §2.2)');
  }
  const { iss, sub } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 2000) {
    throw refuse('no sub', 'The client assertion must carry sub = your client_id (RFC 7523 §3)');
  }
  if (iss !== sub) {
    throw refuse(
      'iss differs from sub',
      'The client assertion must carry iss = sub = your client_id (RFC 7523 §3)',
    );
  }
  return sub;
}

export interface AssertionExpectations {
  readonly clientId: string;
  /**
   * Values that name this authorization server: its issuer identifier (RFC 7523bis, what the MCP SDK
   * sends) and its token endpoint URL (RFC 7523 §3 item 3).
   */
  readonly audiences: readonly string[];
}

export interface VerifiedAssertion {
  readonly jti: string;
  readonly expiresAt: Date;
}

/**
 * RFC 7523 §3 and §2.2: the signature verifies with one of the client's registered public keys, under
 * an asymmetric algorithm (never `none` or HS*); iss = sub = client_id; `aud` is one value naming this
 * server; `exp` is present, not passed and at most MAX_ASSERTION_LIFETIME_SECONDS away; `nbf` and `iat`
 * are not in the future; `jti` is present (its single use is the caller's, in PostgreSQL).
 */
export async function verifyClientAssertion(
  assertion: string,
  keys: JSONWebKeySet,
  expected: AssertionExpectations,
): Promise<VerifiedAssertion> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(keys), {
      algorithms: [...ASSERTION_SIGNING_ALGORITHMS],
      issuer: expected.clientId,
      subject: expected.clientId,
      audience: [...expected.audiences],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (thrown) {
    throw explain(thrown);
  }
  const aud = payload.aud;
  // RFC 7523bis: one audience value, so an assertion made for another server cannot name this one too.
  if (Array.isArray(aud) && aud.length !== 1) {
    throw refuse(
      'several audiences',
      'The client assertion must name this server as its only audience (aud)',
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp as number;
  if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw refuse(
      'exp too far',
      `The client assertion expires too late: exp may be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds away`,
    );
  }
  if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_SKEW_SECONDS) {
    throw refuse('iat in the future', 'The client assertion was issued in the future (iat)');
  }
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
    throw refuse('bad jti', 'The client assertion needs a jti of 1 to 256 characters (RFC 7523 §3)');
  }
  return { jti, expiresAt: new Date(exp * 1000) };
}

/** jose's reasons, in words a client developer can act on (the log keeps jose's code). */
function explain(thrown: unknown): ClientAssertionError {
  if (thrown instanceof errors.JWTExpired) return refuse('expired', 'The client assertion has expired (exp)');
  if (thrown instanceof errors.JWTClaimValidationFailed) {
    const claim = thrown.claim;
    if (claim === 'aud') {
      return refuse('wrong aud', "The client assertion's aud must be this server's issuer identifier");
    }
    return refuse(
      `claim ${claim}: ${thrown.reason}`,
      `The client assertion's ${claim} claim is not acceptable`,
    );
  }
  if (thrown instanceof errors.JOSEAlgNotAllowed || thrown instanceof errors.JOSENotSupported) {
    return refuse(
      'algorithm not allowed',
      `The client assertion must be signed with one of ${ASSERTION_SIGNING_ALGORITHMS.join(', ')}`,
    );
  }
  if (thrown instanceof errors.JWKSNoMatchingKey) {
    return refuse(
      'no matching key',
      'No registered key of this client matches the client assertion (kid, alg)',
    );
  }
  if (thrown instanceof errors.JWSSignatureVerificationFailed) return refuse('bad signature');
  const code = thrown instanceof errors.JOSEError ? thrown.code : 'unexpected';
  return refuse(code);
}
