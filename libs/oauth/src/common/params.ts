import type { Request } from 'express';
import { isSafeLine, isVisibleAscii } from '@app/persistence';
import { InvalidRequestError } from './oauth-errors';

/** One request parameter: absent or empty → undefined (RFC 6749 §3.1); repeated or nested → invalid_request. */
export type ParamReader = (name: string) => string | undefined;

/**
 * RFC 6749 Appendix A: identifiers, credentials and URIs are visible ASCII without spaces (VSCHAR, and
 * URI-reference whose other characters are percent-encoded; RFC 7636 §4.1 unreserved for the verifier).
 * Values only compared with a fixed list (grant_type, response_type ...) keep their own error
 * (unsupported_grant_type ...) and only pass the rule for all.
 */
const ASCII_TOKEN_PARAMS = new Set([
  'client_id',
  'client_secret',
  'code',
  'code_verifier',
  'code_challenge',
  'refresh_token',
  'token',
  'redirect_uri',
  'resource',
  'request_id',
  'csrf_token',
  'client_assertion',
]);
/**
 * RFC 6749 Appendix A: `scope` and `prompt` are space-separated ASCII lists. (`state` is VSCHAR there too,
 * but clients put raw Unicode in it and it is echoed verbatim (AS-PK-06): only the rule for all applies.)
 */
const ASCII_TEXT_PARAMS = new Set(['scope', 'prompt']);

/**
 * The input rule every OAuth parameter passes before it is used or reaches the database: no control
 * character and no unpaired surrogate anywhere (they cannot be stored, and CR/LF could forge log or header
 * lines); visible ASCII for identifiers, credentials and URIs.
 */
export function checkParamValue(name: string, value: string): void {
  const ok = ASCII_TOKEN_PARAMS.has(name)
    ? isVisibleAscii(value)
    : ASCII_TEXT_PARAMS.has(name)
      ? /^[\x20-\x7e]*$/.test(value)
      : isSafeLine(value);
  if (!ok) {
    throw new InvalidRequestError(
      ASCII_TOKEN_PARAMS.has(name)
        ? `The ${name} parameter must be visible ASCII characters without spaces or control characters`
        : `The ${name} parameter contains characters that are not allowed (control characters or invalid Unicode)`,
    );
  }
}

export function paramReader(source: unknown): ParamReader {
  const record = (typeof source === 'object' && source !== null ? source : {}) as Record<string, unknown>;
  return (name: string) => {
    if (!Object.prototype.hasOwnProperty.call(record, name)) return undefined;
    const value = record[name];
    if (value === undefined || value === '') return undefined;
    // RFC 6749 §3.1 / §3.2: request parameters MUST NOT be included more than once.
    if (typeof value !== 'string')
      throw new InvalidRequestError(`The ${name} parameter must be sent once, as a string`);
    checkParamValue(name, value);
    return value;
  };
}

/** RFC 6749 §4.1.3 / RFC 7009 §2.1 / RFC 7662 §2.1: the body is application/x-www-form-urlencoded. */
export function requireFormBody(request: Request): void {
  if (!request.is('application/x-www-form-urlencoded')) {
    throw new InvalidRequestError('The request body must be application/x-www-form-urlencoded');
  }
}

/** Client IP as Express computed it from the trusted proxy hops (TRUST_PROXY). */
export const clientIp = (request: Request): string => request.ip ?? request.socket.remoteAddress ?? 'unknown';
