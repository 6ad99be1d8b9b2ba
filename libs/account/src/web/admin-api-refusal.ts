import { ServiceError } from '@app/errors';
import type { ResourceServerOutcome } from '@app/oauth';
import { ADMIN_SCOPE } from '../admin-scope.policy';

/** A refused admin API call: its status, RFC 6750-style error body and challenge (never a stack trace). */
export class ApiRefusal extends ServiceError {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    headers?: Readonly<Record<string, string>>,
  ) {
    super(description, undefined, headers && Object.freeze(headers));
  }
}

/** RFC 6750 §3.1: no credentials (or another scheme), so the challenge carries no error code. */
const NO_TOKEN = new ApiRefusal(401, 'invalid_token', 'A bearer token is required', {
  'WWW-Authenticate': 'Bearer',
});
const invalidToken = (description: string): ApiRefusal =>
  new ApiRefusal(401, 'invalid_token', description, {
    'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"`,
  });
/** RFC 6750 §3.1 `invalid_token`: the Bearer scheme without one b64token. */
const MALFORMED_TOKEN = invalidToken('A bearer token is required');
/** RS-TOK-02/04: unknown, expired, revoked or issued for another resource (e.g. /mcp's) look alike. */
const INVALID_TOKEN = invalidToken('The access token is not valid');

/** RFC 6750 §3.1 `insufficient_scope`: a valid admin-resource token without `admin`. */
export const INSUFFICIENT_SCOPE = new ApiRefusal(
  403,
  'insufficient_scope',
  'The token lacks the admin scope',
  { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${ADMIN_SCOPE}"` },
);
export const NOT_AN_ADMINISTRATOR = new ApiRefusal(403, 'forbidden', 'Only administrators may use this API');
export const NO_PERSON = new ApiRefusal(
  403,
  'forbidden',
  'Only administrators may use this API; this token names no person',
);

/** The admin API's rendering of a refusal of the one resource-server check (libs/oauth). */
export function apiRefusalOf(outcome: Exclude<ResourceServerOutcome, { kind: 'ok' }>): ApiRefusal {
  switch (outcome.kind) {
    case 'no_credentials':
      return NO_TOKEN;
    case 'malformed':
      return MALFORMED_TOKEN;
    case 'refused':
      return INVALID_TOKEN;
    case 'rate_limited':
      // RFC 6585 §4: too many unknown bearer tokens from this client IP, on /mcp or here.
      return new ApiRefusal(
        429,
        'too_many_requests',
        'Too many requests with unknown bearer tokens; try again later',
        { 'Retry-After': String(outcome.retryAfterSeconds) },
      );
  }
}
