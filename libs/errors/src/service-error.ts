/** No extra headers: one frozen object shared by every error that has none. */
export const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The one shape of every refusal this process answers over HTTP, whatever the surface (OAuth endpoints,
 * /mcp, the admin API, the outage answer): an HTTP status, a description safe to send, a detail for the
 * logs only, and the extra response headers (WWW-Authenticate, Retry-After, Allow). Each surface has a
 * small renderer that writes this shape in its own wire format (RFC 6749 §5.2 JSON, a JSON-RPC error
 * body, an error page); nothing else decides a status or a header.
 *
 * A value, not a log line: the detail is never sent, the description never carries internals.
 */
export abstract class ServiceError extends Error {
  abstract readonly status: number;

  constructor(
    /** Safe to show to the client (error_description, the JSON-RPC message). */
    readonly description: string,
    /** For the logs only; never sent. */
    readonly detail?: string,
    /** Extra response headers, frozen (the same object may answer many requests). */
    readonly headers: Readonly<Record<string, string>> = NO_HEADERS,
  ) {
    super(description);
    this.name = new.target.name;
  }
}
