import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { classifyAddress, mayConnectTo } from './address-policy';

/** Why a document could not be fetched; each is an audit outcome (`cimd.fetch` detail.outcome). */
export type CimdFetchFailure =
  | 'invalid_url'
  | 'dns_failed'
  | 'blocked_address'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'timeout'
  | 'not_json'
  | 'network';

export class CimdFetchError extends Error {
  constructor(
    readonly reason: CimdFetchFailure,
    message: string,
    /** The HTTP status, for reason 'http_status'. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CimdFetchError';
  }
}

export interface FetchOptions {
  /** Development setting: http:// and loopback addresses are allowed (tests' local document servers). */
  readonly allowInsecureLocalhost: boolean;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** For tests: replaces the one DNS resolution. */
  readonly resolve?: (hostname: string) => Promise<string[]>;
}

export interface FetchedDocument {
  readonly body: unknown;
  readonly cacheControl: string | undefined;
  /** The address that was checked and connected to. */
  readonly address: string;
}

export const FETCH_TIMEOUT_MS = 5000;
export const MAX_DOCUMENT_BYTES = 5 * 1024;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

async function defaultResolve(hostname: string): Promise<string[]> {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

/**
 * Fetches a Client ID Metadata Document across the SSRF boundary (SEC-04, AS-REG-06): https only
 * (http only for loopback with the development setting); the name is resolved ONCE and every
 * address it resolves to must be public; the connection goes to that checked address (a fixed
 * `lookup`, so no second resolution can be rebound), with Host and SNI set to the URL's host; no
 * redirects, a 5 s deadline for the whole exchange, a 5 KB cap enforced while streaming, no cookies
 * or credentials.
 */
export async function fetchClientDocument(rawUrl: string, options: FetchOptions): Promise<FetchedDocument> {
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new CimdFetchError('invalid_url', 'The client_id is not a URL');
  }
  const insecureAllowed = options.allowInsecureLocalhost && LOOPBACK_NAMES.has(url.hostname.toLowerCase());
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecureAllowed)) {
    throw new CimdFetchError('invalid_url', 'The client metadata document URL must use https');
  }
  if (url.username || url.password) {
    throw new CimdFetchError('invalid_url', 'The client metadata document URL must not contain credentials');
  }

  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await (options.resolve ?? defaultResolve)(host);
    } catch {
      throw new CimdFetchError(
        'dns_failed',
        `The host ${url.hostname} of the client metadata document does not resolve`,
      );
    }
    if (addresses.length === 0) {
      throw new CimdFetchError(
        'dns_failed',
        `The host ${url.hostname} of the client metadata document does not resolve`,
      );
    }
  }
  // Every answer must pass: a name that also resolves to an internal address is refused outright.
  const blocked = addresses.find((a) => !mayConnectTo(a, options.allowInsecureLocalhost));
  if (blocked !== undefined) {
    throw new CimdFetchError(
      'blocked_address',
      `The host ${url.hostname} of the client metadata document resolves to a ${classifyAddress(blocked).replace('_', '-')} address, which this server does not fetch from`,
    );
  }
  const address = addresses[0];
  if (url.protocol === 'http:' && classifyAddress(address) !== 'loopback') {
    throw new CimdFetchError('invalid_url', 'The client metadata document URL must use https');
  }
  const family = isIP(address);
  // The connection goes to the address checked above, whatever name resolution would say now.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };

  return new Promise<FetchedDocument>((resolve, reject) => {
    let settled = false;
    const fail = (error: CimdFetchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(error);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send({
      protocol: url.protocol,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      servername: isIP(host) ? undefined : host,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      lookup: pinned,
      agent: false,
      headers: { Accept: 'application/json', 'User-Agent': 'mcp-auth-server (client metadata fetcher)' },
      // Development setting only: a loopback document server may use a self-signed certificate (it is
      // this machine either way, as with the http:// it also allows).
      rejectUnauthorized: !(options.allowInsecureLocalhost && classifyAddress(address) === 'loopback'),
    });
    const deadline = setTimeout(
      () =>
        fail(new CimdFetchError('timeout', 'The client metadata document did not arrive within 5 seconds')),
      timeoutMs,
    );
    req.on('error', () =>
      fail(new CimdFetchError('network', 'The client metadata document could not be fetched')),
    );
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        return fail(
          new CimdFetchError(
            'redirect',
            'The client metadata document URL redirects; redirects are not followed',
          ),
        );
      }
      if (status !== 200) {
        return fail(
          new CimdFetchError(
            'http_status',
            `The client metadata document URL answered HTTP ${status}`,
            status,
          ),
        );
      }
      const type = (res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(type)) {
        return fail(new CimdFetchError('not_json', 'The client metadata document is not application/json'));
      }
      const tooLarge = () =>
        new CimdFetchError('too_large', `The client metadata document is larger than ${maxBytes} bytes`);
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) return fail(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return fail(tooLarge());
        chunks.push(chunk);
      });
      res.on('error', () =>
        fail(new CimdFetchError('network', 'The client metadata document could not be fetched')),
      );
      res.on('end', () => {
        if (settled) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return fail(new CimdFetchError('not_json', 'The client metadata document is not valid JSON'));
        }
        settled = true;
        clearTimeout(deadline);
        const cacheControl = res.headers['cache-control'];
        resolve({ body, cacheControl, address });
      });
    });
    req.end();
  });
}

export const MIN_CACHE_SECONDS = 5 * 60;
export const MAX_CACHE_SECONDS = 24 * 3600;

/** How long a fetched document is used before it is fetched again: Cache-Control max-age within [5 min, 24 h]. */
export function cacheLifetimeSeconds(cacheControl: string | undefined): number {
  const directives = (cacheControl ?? '').toLowerCase();
  const maxAge = /(?:^|[,\s])max-age\s*=\s*"?(\d+)"?/.exec(directives);
  const noStore = /(?:^|[,\s])(no-store|no-cache)(?:$|[,\s=])/.test(directives);
  const seconds = noStore ? 0 : maxAge ? Number(maxAge[1]) : 0;
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, seconds));
}
