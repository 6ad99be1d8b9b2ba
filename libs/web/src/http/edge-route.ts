import type { IncomingHttpHeaders } from 'node:http';

/** The body a route reads: JSON (RFC 8259, strict: an object or an array) or an HTML form (qs). */
export type BodyKind = 'json' | 'form';

/**
 * A request body as the edge read it (body-reader.ts), before the route sees the request:
 * - `parsed`: the route's media type, within the limits, parsed;
 * - `none`: no body, another media type, or a method other than POST (then it is drained unread);
 * - `refused`: 400 (malformed, broken compression), 413 (too large, too many parameters) or 415
 *   (a charset or Content-Encoding the reader does not decode). The route answers in its own format.
 */
export type RequestBody =
  | { readonly kind: 'parsed'; readonly value: unknown }
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly status: 400 | 413 | 415 };

/** What a route sees of a request. */
export interface EdgeRequest {
  readonly method: string;
  /** The path and query string as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: RequestBody;
  /** The client address, under TRUST_PROXY (computed once, by the edge). */
  readonly ip: string | null;
}

/** What a route answers; the edge adds what every response carries and writes it (serveRoute). */
export interface EdgeReply {
  readonly status: number;
  /** The route's own headers as a flat list: name, value, name, value ... */
  readonly headers?: readonly string[];
  /** The body; none (Content-Length: 0) when undefined. */
  readonly body?: string;
  /** The body's media type; `application/json; charset=utf-8` when not given. */
  readonly contentType?: string;
}

/**
 * A route answered on node:http by the edge without Express: every method of `path` (any query
 * string) reaches `handle`, which answers whatever happens (it never throws on purpose; a throw
 * becomes a bare 500).
 */
export interface EdgeRoute {
  readonly path: string;
  /** The body the route reads on POST; `limit` in bytes (after decompression). */
  readonly body: { readonly kind: BodyKind; readonly limit: number };
  handle(request: EdgeRequest): Promise<EdgeReply>;
}

export const JSON_UTF8 = 'application/json; charset=utf-8';

/** A JSON answer (what Express's res.json() would send, without the ETag). */
export function jsonReply(status: number, payload: unknown, headers?: readonly string[]): EdgeReply {
  return { status, headers, body: JSON.stringify(payload), contentType: JSON_UTF8 };
}
