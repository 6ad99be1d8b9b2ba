import { ServiceError } from '@app/errors';
import { databaseOutage, isBadInputForDatabase } from '@app/persistence';

/**
 * OAuth errors are values with an RFC code (docs/architecture.md C1). Each is a ServiceError (HTTP status,
 * public description, private detail for the logs, extra headers) with its RFC code and whether it may be
 * sent to a redirect_uri.
 * `toWireError()` is the one function that turns any thrown value into the wire body.
 */
export interface AuthorizationRedirect {
  /** A redirect_uri already checked against the client's registered ones. */
  readonly redirectUri: string;
  readonly state: string | undefined;
  /**
   * AS-PK-05 (OAuth 2.1 §7.12.2, RFC 9700 §4.11.2): the redirect URI was registered by anyone (dynamic
   * registration or a metadata document) and the person has not interacted with this request yet, so
   * the error is shown on a page with a link back instead of an automatic redirect: otherwise the
   * authorization server becomes an open redirector to any URI an attacker registers.
   */
  readonly untrusted?: boolean;
}

export abstract class OAuthError extends ServiceError {
  abstract readonly error: string;
  /** RFC 6749 §4.1.2.1: whether the authorization endpoint may send this error to the client. */
  readonly redirectable: boolean = true;
  /** Set by the authorize service once client_id and redirect_uri are known good. */
  redirect?: AuthorizationRedirect;
}

const BASIC_CHALLENGE = Object.freeze({ 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"' });
const INVALID_TOKEN_CHALLENGE = Object.freeze({ 'WWW-Authenticate': `Bearer error="invalid_token"` });
const BEARER_CHALLENGE = Object.freeze({ 'WWW-Authenticate': 'Bearer' });

/** RFC 6749 §4.1.2.1 / §5.2 */
export class InvalidRequestError extends OAuthError {
  readonly error = 'invalid_request';
  readonly status = 400;
}

/** RFC 6749 §5.2: client authentication failed. Never redirected. */
export class InvalidClientError extends OAuthError {
  readonly error = 'invalid_client';
  readonly status: number = 401;
  override readonly redirectable = false;
  constructor(
    description: string,
    detail?: string,
    /** The client tried HTTP Basic: answer with WWW-Authenticate: Basic (RFC 6749 §5.2). */
    readonly usedBasic = false,
  ) {
    super(description, detail, usedBasic ? BASIC_CHALLENGE : undefined);
  }
}

/** The authorization endpoint's "unknown client": shown on a page, not a 401 challenge. */
export class UnknownClientError extends InvalidClientError {
  override readonly status = 400;
}

/** RFC 6749 §5.2 */
export class InvalidGrantError extends OAuthError {
  readonly error = 'invalid_grant';
  readonly status = 400;
}

/** RFC 6749 §4.1.2.1 / §5.2 */
export class UnauthorizedClientError extends OAuthError {
  readonly error = 'unauthorized_client';
  readonly status = 400;
}

/** RFC 6749 §5.2 */
export class UnsupportedGrantTypeError extends OAuthError {
  readonly error = 'unsupported_grant_type';
  readonly status = 400;
}

/** RFC 6749 §4.1.2.1 */
export class UnsupportedResponseTypeError extends OAuthError {
  readonly error = 'unsupported_response_type';
  readonly status = 400;
}

/** RFC 6749 §4.1.2.1 / §5.2 */
export class InvalidScopeError extends OAuthError {
  readonly error = 'invalid_scope';
  readonly status = 400;
}

/** RFC 8707 §2 */
export class InvalidTargetError extends OAuthError {
  readonly error = 'invalid_target';
  readonly status = 400;
}

/** RFC 7591 §3.2.2. Also the authorize endpoint's bad redirect_uri: never redirected. */
export class InvalidRedirectUriError extends OAuthError {
  readonly error = 'invalid_redirect_uri';
  readonly status = 400;
  override readonly redirectable = false;
}

/** RFC 7591 §3.2.2 */
export class InvalidClientMetadataError extends OAuthError {
  readonly error = 'invalid_client_metadata';
  readonly status = 400;
  override readonly redirectable = false;
}

/** OpenID Connect Core §3.1.2.6, used for prompt=none (MCP clients send it too). */
export class LoginRequiredError extends OAuthError {
  readonly error = 'login_required';
  readonly status = 400;
}

/** OpenID Connect Core §3.1.2.6 */
export class ConsentRequiredError extends OAuthError {
  readonly error = 'consent_required';
  readonly status = 400;
}

/**
 * OpenID Connect Core §3.1.2.6: a page would have to be shown (prompt=none for a public client with a
 * remembered consent still needs the person's click, RFC 8252 §8.6).
 */
export class InteractionRequiredError extends OAuthError {
  readonly error = 'interaction_required';
  readonly status = 400;
}

/** RFC 6750 §3.1 */
export class InvalidTokenError extends OAuthError {
  readonly error = 'invalid_token';
  readonly status = 401;
  override readonly redirectable = false;
  constructor(description: string, detail?: string) {
    super(description, detail, new.target === MissingTokenError ? BEARER_CHALLENGE : INVALID_TOKEN_CHALLENGE);
  }
}

/** RFC 6750 §3.1: no credentials were presented, so the challenge carries no error code. */
export class MissingTokenError extends InvalidTokenError {}

/** 429 with Retry-After; the code is the one the MCP SDK's reference server uses. */
export class TooManyRequestsError extends OAuthError {
  readonly error = 'too_many_requests';
  readonly status = 429;
  override readonly redirectable = false;
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests; try again later', undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/**
 * RFC 6749 §4.1.2.1 `temporarily_unavailable`, also used by the JSON endpoints: PostgreSQL cannot be
 * reached right now. A fast, retryable 503; status and Retry-After are the outage mapper's
 * (persistence's databaseOutage), this class only gives it the OAuth code.
 */
export class TemporarilyUnavailableError extends OAuthError {
  readonly error = 'temporarily_unavailable';
  readonly status: number;
  constructor(outage: ServiceError) {
    super('The service is temporarily unavailable; try again shortly', outage.detail, outage.headers);
    this.status = outage.status;
  }
}

/** RFC 6749 §4.1.2.1 / §5.2: anything unexpected. Carries no internals. */
export class ServerError extends OAuthError {
  readonly error = 'server_error';
  readonly status = 500;
}

export interface WireError {
  readonly status: number;
  readonly body: { error: string; error_description?: string };
  readonly headers: Readonly<Record<string, string>>;
  /** The typed error (a ServerError for anything unknown). */
  readonly cause: OAuthError;
}

/** The one function that turns any thrown value into the RFC 6749 §5.2 wire form. */
export function toWireError(thrown: unknown): WireError {
  if (thrown instanceof OAuthError) return wire(thrown);
  const outage = databaseOutage(thrown);
  const error =
    outage !== undefined
      ? new TemporarilyUnavailableError(outage)
      : isBadInputForDatabase(thrown)
        ? // Safety net behind the input rules (params.ts, client-metadata.ts): PostgreSQL refused a
          // value (NUL, unpaired surrogate, out-of-range number), so the request was bad, not the server.
          new InvalidRequestError('The request contains a value that is not allowed', describeUnknown(thrown))
        : new ServerError('The server could not complete the request', describeUnknown(thrown));
  return wire(error);
}

function wire(error: OAuthError): WireError {
  return {
    status: error.status,
    body: { error: error.error, error_description: error.description },
    headers: error.headers,
    cause: error,
  };
}

function describeUnknown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
  return 'non-error thrown';
}
