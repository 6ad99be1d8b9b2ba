import type { Request } from 'express';
import { InvalidRequestError } from './oauth-errors';

/** One request parameter: absent or empty → undefined (RFC 6749 §3.1); repeated or nested → invalid_request. */
export type ParamReader = (name: string) => string | undefined;

export function paramReader(source: unknown): ParamReader {
  const record = (typeof source === 'object' && source !== null ? source : {}) as Record<string, unknown>;
  return (name: string) => {
    if (!Object.prototype.hasOwnProperty.call(record, name)) return undefined;
    const value = record[name];
    if (value === undefined || value === '') return undefined;
    // RFC 6749 §3.1 / §3.2: request parameters MUST NOT be included more than once.
    if (typeof value !== 'string')
      throw new InvalidRequestError(`The ${name} parameter must be sent once, as a string`);
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
