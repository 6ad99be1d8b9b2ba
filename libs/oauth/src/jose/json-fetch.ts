/** Why a JSON document (discovery metadata, a JWKS) could not be fetched. */
export type JsonFetchFailure =
  'invalid_url' | 'http_status' | 'too_large' | 'timeout' | 'not_json' | 'network';

export class JsonFetchError extends Error {
  constructor(
    readonly reason: JsonFetchFailure,
    message: string,
  ) {
    super(message);
    this.name = 'JsonFetchError';
  }
}

/** Fetches one JSON document; throws JsonFetchError. Replaceable (tests, an SSRF-guarded fetcher). */
export type JsonFetcher = (url: string) => Promise<unknown>;

export interface JsonFetchOptions {
  /** Deadline for the whole exchange, headers and body. */
  readonly timeoutMs?: number;
  /** Largest body accepted, enforced while streaming. */
  readonly maxBytes?: number;
  /** http:// is accepted only for loopback hosts, and only with this development setting. */
  readonly allowInsecureLocalhost?: boolean;
}

export const JSON_FETCH_TIMEOUT_MS = 5000;
export const JSON_FETCH_MAX_BYTES = 64 * 1024;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * GET a JSON document from an https URL (http only for loopback with the development setting, GEN-04):
 * no redirects, no cookies or credentials, a deadline for the whole exchange and a size cap checked
 * while the body streams in.
 */
export async function fetchJson(rawUrl: string, options: JsonFetchOptions = {}): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? JSON_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? JSON_FETCH_MAX_BYTES;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new JsonFetchError('invalid_url', `${rawUrl} is not a URL`);
  }
  const insecureAllowed = options.allowInsecureLocalhost === true && LOOPBACK_NAMES.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecureAllowed)) {
    throw new JsonFetchError('invalid_url', `${url.origin} must use https`);
  }
  if (url.username || url.password) {
    throw new JsonFetchError('invalid_url', `${url.origin} must not carry credentials`);
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      signal,
      redirect: 'manual',
      credentials: 'omit',
      headers: { Accept: 'application/json', 'User-Agent': 'mcp-auth-server (key fetcher)' },
    });
  } catch {
    throw signal.aborted
      ? new JsonFetchError('timeout', `${url.origin} did not answer within ${timeoutMs} ms`)
      : new JsonFetchError('network', `${url.origin} could not be reached`);
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new JsonFetchError('http_status', `${url.href} answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new JsonFetchError('too_large', `${url.href} is larger than ${maxBytes} bytes`);
  }
  const text = await readCapped(response, maxBytes, signal, url);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JsonFetchError('not_json', `${url.href} is not JSON`);
  }
}

async function readCapped(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  url: URL,
): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new JsonFetchError('too_large', `${url.href} is larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof JsonFetchError) throw error;
    throw signal.aborted
      ? new JsonFetchError('timeout', `${url.origin} did not answer in time`)
      : new JsonFetchError('network', `${url.href} could not be read`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
