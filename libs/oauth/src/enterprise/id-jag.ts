import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { InvalidGrantError } from '../common/oauth-errors';
import { resolveResource } from '../common/resource';
import { JwksUnavailableError, type RemoteJwksCache } from '../jose/remote-jwks';
import { ASYMMETRIC_SIGNING_ALGORITHMS } from '../jose/signing-algorithms';

/** The JOSE `typ` of an identity assertion grant (ID-JAG draft §3; RFC 8725 §3.11). */
export const ID_JAG_TYP = 'oauth-id-jag+jwt';

/** Asymmetric signatures only: an IdP signs with its private key and publishes the public one (EXT-EMA-02). */
export const ID_JAG_ALGORITHMS: readonly string[] = ASYMMETRIC_SIGNING_ALGORITHMS;

/** Clock difference tolerated on `exp` and `iat` (EXT-EMA-05). */
export const ID_JAG_CLOCK_SKEW_SECONDS = 60;
/** An ID-JAG is short-lived: issued at most this long ago, and valid for at most this long. */
export const ID_JAG_MAX_LIFETIME_SECONDS = 3600;

/** What the checks need to know about this server. */
export interface IdJagExpectations {
  /** Issuers whose ID-JAGs are accepted. */
  readonly trustedIssuers: readonly string[];
  /** This authorization server's issuer identifier: the only acceptable `aud`. */
  readonly audience: string;
  /** The MCP resource: the only acceptable `resource`. */
  readonly resource: string;
  /** The authenticated client: the only acceptable `client_id`. */
  readonly clientId: string;
  readonly now?: () => number;
}

/** A verified ID-JAG, reduced to what the grant uses. */
export interface IdJag {
  readonly issuer: string;
  readonly subject: string;
  readonly jti: string;
  readonly expiresAt: Date;
  /** The `resource` it is for (this server's MCP resource). */
  readonly resource: string;
  /** Its `scope`, parsed; undefined when it has none. */
  readonly scope: string | undefined;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
}

const refuse = (description: string, detail?: string) => new InvalidGrantError(description, detail);

/**
 * Verifies an ID-JAG presented as an RFC 7523 assertion (ID-JAG draft-04 §4.4.1, the MCP
 * Enterprise-Managed Authorization extension §5.1 and §7.4–7.6): the issuer is trusted before any
 * key is fetched, then `typ`, algorithm and signature (EXT-EMA-02), `aud`, `resource`, `client_id`
 * (EXT-EMA-03/04) and the time bounds (EXT-EMA-05). Every failure is `invalid_grant` (RFC 7523 §3.1)
 * with its own description. Single use of `jti` is the caller's (it is a write).
 */
export async function verifyIdJag(
  assertion: string,
  expected: IdJagExpectations,
  keys: RemoteJwksCache,
): Promise<IdJag> {
  let unverified: JWTPayload;
  try {
    decodeProtectedHeader(assertion);
    unverified = decodeJwt(assertion);
  } catch {
    throw refuse('The assertion is not a JWT');
  }
  const issuer = unverified.iss;
  if (typeof issuer !== 'string' || !expected.trustedIssuers.includes(issuer)) {
    throw refuse(
      'The assertion was not issued by a trusted identity provider',
      `iss ${String(issuer).slice(0, 200)}`,
    );
  }
  const now = Math.floor((expected.now ?? Date.now)() / 1000);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, keys.keyResolver({ issuer }), {
      issuer,
      typ: ID_JAG_TYP,
      algorithms: [...ID_JAG_ALGORITHMS],
      clockTolerance: ID_JAG_CLOCK_SKEW_SECONDS,
      maxTokenAge: ID_JAG_MAX_LIFETIME_SECONDS,
      requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
      currentDate: new Date(now * 1000),
    }));
  } catch (error) {
    throw explain(error);
  }
  const exp = payload.exp!;
  const iat = payload.iat!;
  if (exp - iat > ID_JAG_MAX_LIFETIME_SECONDS) {
    throw refuse('The assertion is valid for too long', `exp - iat = ${exp - iat}s`);
  }
  const aud = payload.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (audiences.length !== 1 || audiences[0] !== expected.audience) {
    throw refuse(
      'The assertion is not for this authorization server (aud)',
      `aud ${JSON.stringify(aud)?.slice(0, 200)}`,
    );
  }
  const resource = resourceOf(payload.resource, expected.resource);
  if (payload.client_id !== expected.clientId) {
    throw refuse('The assertion was issued for another client (client_id)');
  }
  const sub = payload.sub!;
  const jti = payload.jti!;
  if (sub.length === 0 || sub.length > 255) throw refuse('The assertion has an unusable sub');
  if (jti.length === 0 || jti.length > 255) throw refuse('The assertion has an unusable jti');
  if (payload.scope !== undefined && typeof payload.scope !== 'string') {
    throw refuse('The assertion has a malformed scope claim');
  }
  const email = typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : null;
  const name = [payload.name, payload.preferred_username].find(
    (v): v is string => typeof v === 'string' && v.trim().length > 0,
  );
  return {
    issuer,
    subject: sub,
    jti,
    expiresAt: new Date(exp * 1000),
    resource,
    scope: payload.scope,
    email: email || null,
    emailVerified: Boolean(email) && payload.email_verified === true,
    name: name?.trim().slice(0, 255) ?? null,
  };
}

/** `resource`: absent → the MCP resource; a string, or an array of one, naming it (EXT-EMA-03). */
function resourceOf(claim: unknown, mcpResource: string): string {
  if (claim === undefined) return mcpResource;
  const values = Array.isArray(claim) ? (claim as unknown[]) : [claim];
  if (values.length !== 1 || typeof values[0] !== 'string') {
    throw refuse('The assertion is not for this MCP server (resource)');
  }
  if (resolveResource(values[0], mcpResource) !== mcpResource) {
    throw refuse(
      'The assertion is not for this MCP server (resource)',
      `resource ${values[0].slice(0, 200)}`,
    );
  }
  return mcpResource;
}

/** jose's errors as RFC 7523 §3.1 `invalid_grant` descriptions. */
function explain(error: unknown): InvalidGrantError {
  if (error instanceof JwksUnavailableError) {
    return refuse("The identity provider's keys could not be obtained", error.message);
  }
  if (error instanceof errors.JWTExpired) return refuse('The assertion has expired');
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse('The assertion signature does not verify');
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return refuse('The assertion is signed with an algorithm not accepted');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return refuse('The assertion is signed with a key the identity provider does not publish');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'typ') return refuse(`The assertion is not an ID-JAG (typ must be ${ID_JAG_TYP})`);
    if (error.claim === 'iat') return refuse('The assertion was issued too long ago or in the future (iat)');
    return refuse(`The assertion is missing or has an invalid ${error.claim} claim`);
  }
  return refuse('The assertion is not a valid JWT', error instanceof Error ? error.name : undefined);
}
