import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { parse as parseQuery } from 'qs';
import type { BodyKind, RequestBody } from './edge-route';

/** The default limit of a body (body-parser's, which Express applies to the other routes): 100 kb. */
export const BODY_LIMIT_BYTES = 100 * 1024;

const MEDIA_TYPES: Readonly<Record<BodyKind, string>> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
};
const PLAIN: Readonly<Record<BodyKind, { essence: string; charset?: string }>> = {
  json: { essence: MEDIA_TYPES.json },
  form: { essence: MEDIA_TYPES.form },
};
/** RFC 8259 §8.1: JSON is UTF-8. Forms: UTF-8, or ISO-8859-1 (HTML's legacy form encoding). */
const CHARSETS: Readonly<Record<BodyKind, readonly string[]>> = {
  json: ['utf-8'],
  form: ['utf-8', 'iso-8859-1'],
};
/** body-parser's: at most 1000 form parameters (413 beyond), nesting up to 32 levels (400 beyond). */
const PARAMETER_LIMIT = 1000;
const FORM_DEPTH = 32;

const NONE: RequestBody = Object.freeze({ kind: 'none' });
const MALFORMED: RequestBody = Object.freeze({ kind: 'refused', status: 400 });
const TOO_LARGE: RequestBody = Object.freeze({ kind: 'refused', status: 413 });
const UNSUPPORTED: RequestBody = Object.freeze({ kind: 'refused', status: 415 });

/**
 * Reads a request body the way Express's body-parser does for the same media type (so a client sees
 * the same rules on every route): only when the request has one (Content-Length or Transfer-Encoding,
 * RFC 9112 §6.3) and its media type is `kind`'s; Content-Encoding gzip, deflate or br inflated, with
 * `limit` applying to the inflated bytes (413 before reading when Content-Length already exceeds it);
 * a leading byte order mark dropped; an empty body is `{}`. Resolves null when the client goes away
 * before the body is complete. A body that is not read is drained.
 */
export function readBody(req: IncomingMessage, kind: BodyKind, limit: number): Promise<RequestBody | null> {
  const { headers } = req;
  if (headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) {
    return Promise.resolve(NONE);
  }
  const header = headers['content-type'];
  // The usual case (no parameters) without parsing.
  const type = header === MEDIA_TYPES[kind] ? PLAIN[kind] : mediaType(header);
  if (type?.essence !== MEDIA_TYPES[kind]) return drained(req, NONE);
  const charset = type.charset ?? 'utf-8';
  if (!CHARSETS[kind].includes(charset)) return drained(req, UNSUPPORTED);
  const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
  const inflater = decoder(encoding);
  if (inflater === undefined) return drained(req, UNSUPPORTED);
  if (inflater === null && Number(headers['content-length']) > limit) return drained(req, TOO_LARGE);
  return collect(req, inflater, limit).then((bytes) => {
    if (bytes === null || !Buffer.isBuffer(bytes)) return bytes;
    const text = charset === 'iso-8859-1' ? bytes.toString('latin1') : withoutBom(bytes.toString('utf8'));
    return kind === 'json' ? parseJson(text) : parseForm(text, charset);
  });
}

/** The media type (lower case) and charset parameter of a Content-Type, RFC 9110 §8.3. */
export function mediaType(header: string | undefined): { essence: string; charset?: string } | undefined {
  if (!header) return undefined;
  const parts = header.split(';');
  const essence = parts[0].trim().toLowerCase();
  let charset: string | undefined;
  for (let i = 1; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq < 0 || parts[i].slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    let value = parts[i].slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    charset = value.toLowerCase();
  }
  return { essence, charset };
}

/** A decompression stream for `encoding`; null for none (identity); undefined when unsupported. */
function decoder(encoding: string): Transform | null | undefined {
  switch (encoding) {
    case 'identity':
      return null;
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

function drained(req: IncomingMessage, result: RequestBody): Promise<RequestBody> {
  req.resume();
  return Promise.resolve(result);
}

/** The body's bytes (through `inflater` if any), a refusal (413, 400), or null if the client left. */
function collect(
  req: IncomingMessage,
  inflater: Transform | null,
  limit: number,
): Promise<Buffer | RequestBody | null> {
  return new Promise((resolve) => {
    const source: Readable = inflater ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | RequestBody | null) => {
      if (done) return;
      done = true;
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      // What is left of a refused body is read and dropped, so the answer can still be sent.
      if (result !== null && !Buffer.isBuffer(result)) req.resume();
      resolve(result);
    };
    if (inflater) {
      req.pipe(inflater);
      inflater.on('error', () => finish(MALFORMED));
    }
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) finish(TOO_LARGE);
      else chunks.push(chunk);
    });
    source.on('end', () => finish(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', () => finish(null));
    req.on('close', () => {
      if (!req.complete) finish(null);
    });
  });
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** body-parser's strict JSON: empty is `{}`; the first character must open an object or an array. */
export function parseJson(text: string): RequestBody {
  if (text.length === 0) return { kind: 'parsed', value: {} };
  const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') return MALFORMED;
  try {
    return { kind: 'parsed', value: JSON.parse(text) as unknown };
  } catch {
    return MALFORMED;
  }
}

/**
 * body-parser 2's extended form parser: more than 1000 parameters is 413; qs with the options
 * body-parser passes, where nesting deeper than 32 levels (or anything else qs throws) is 400.
 */
export function parseForm(text: string, charset = 'utf-8'): RequestBody {
  if (text.length === 0) return { kind: 'parsed', value: {} };
  let count = 0;
  let index = -1;
  do {
    if (++count > PARAMETER_LIMIT) return TOO_LARGE;
    index = text.indexOf('&', index + 1);
  } while (index !== -1);
  try {
    const value = parseQuery(text, {
      allowPrototypes: true,
      arrayLimit: Math.max(100, count),
      depth: FORM_DEPTH,
      charset: charset as 'utf-8' | 'iso-8859-1',
      parameterLimit: PARAMETER_LIMIT,
      strictDepth: true,
    });
    return { kind: 'parsed', value };
  } catch {
    return MALFORMED;
  }
}
