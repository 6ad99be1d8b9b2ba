// SEC-04 / AS-REG-06: the metadata document fetcher against local servers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  CimdFetchError,
  cacheLifetimeSeconds,
  fetchClientDocument,
  type CimdFetchFailure,
} from './document-fetcher';

type Handler = (res: ServerResponse) => void;
const routes = new Map<string, Handler>();
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
let connections = 0;
let server: Server;
let port: number;
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const handler = routes.get(req.url ?? '');
    if (handler) handler(res);
    else res.writeHead(404).end();
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const json =
  (body: unknown, headers: Record<string, string> = {}): Handler =>
  (res) =>
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const dev = { allowInsecureLocalhost: true };
const url = (path: string) => `http://localhost:${port}${path}`;
const refused = (reason: CimdFetchFailure) => (e: unknown) => {
  assert.ok(e instanceof CimdFetchError, String(e));
  assert.equal(e.reason, reason, e.message);
  return true;
};

describe('fetchClientDocument', () => {
  it('fetches a JSON document with Accept: application/json, no cookie or credentials, Host = the URL host', async () => {
    routes.set('/ok.json', json({ client_id: 'x' }, { 'cache-control': 'max-age=600' }));
    const resolved: string[] = [];
    const doc = await fetchClientDocument(url('/ok.json'), {
      ...dev,
      resolve: async (host) => {
        resolved.push(host);
        return ['127.0.0.1'];
      },
    });
    assert.deepEqual(doc.body, { client_id: 'x' });
    assert.equal(doc.cacheControl, 'max-age=600');
    assert.equal(doc.address, '127.0.0.1');
    // One DNS resolution; the connection went to the checked address under the URL's host name.
    assert.deepEqual(resolved, ['localhost']);
    const request = seen.at(-1)!;
    assert.equal(request.headers.accept, 'application/json');
    assert.equal(request.headers.host, `localhost:${port}`);
    assert.equal(request.headers.cookie, undefined);
    assert.equal(request.headers.authorization, undefined);
  });

  it('refuses a redirect without following it', async () => {
    routes.set('/moved.json', (res) => res.writeHead(302, { location: url('/ok.json') }).end());
    const before = seen.length;
    await assert.rejects(fetchClientDocument(url('/moved.json'), dev), refused('redirect'));
    assert.equal(seen.length, before + 1);
  });

  it('refuses a document larger than 5 KB while streaming (no Content-Length)', async () => {
    let written = 0;
    let closedEarly = false;
    routes.set('/big.json', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', () => (closedEarly = written < 64_000_000));
      const push = () => {
        while (written < 64_000_000) {
          written += 1024;
          if (!res.write(' '.repeat(1024))) return void res.once('drain', push);
        }
        res.end();
      };
      push();
    });
    await assert.rejects(fetchClientDocument(url('/big.json'), dev), refused('too_large'));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(closedEarly, 'the connection was cut before the server finished writing');
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    routes.set('/declared.json', (res) =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': '6000' })
        .end('x'.repeat(6000)),
    );
    await assert.rejects(fetchClientDocument(url('/declared.json'), dev), refused('too_large'));
  });

  it('accepts exactly 5 KB', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(5 * 1024 - 10) });
    assert.equal(body.length, 5 * 1024);
    routes.set('/exact.json', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    assert.ok(await fetchClientDocument(url('/exact.json'), dev));
  });

  it('times out a slow server', async () => {
    routes.set('/slow.json', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      // never ends
    });
    const started = Date.now();
    await assert.rejects(
      fetchClientDocument(url('/slow.json'), { ...dev, timeoutMs: 300 }),
      refused('timeout'),
    );
    assert.ok(Date.now() - started < 2000);
  });

  it('refuses non-JSON content types and malformed JSON', async () => {
    routes.set('/html', (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
    routes.set('/broken.json', (res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":'),
    );
    await assert.rejects(fetchClientDocument(url('/html'), dev), refused('not_json'));
    await assert.rejects(fetchClientDocument(url('/broken.json'), dev), refused('not_json'));
  });

  it('refuses an HTTP error status', async () => {
    await assert.rejects(fetchClientDocument(url('/missing.json'), dev), refused('http_status'));
  });

  it('without the development setting: no http, no loopback, and no connection is attempted', async () => {
    const before = connections;
    await assert.rejects(
      fetchClientDocument(url('/ok.json'), { allowInsecureLocalhost: false }),
      refused('invalid_url'),
    );
    await assert.rejects(
      fetchClientDocument(`https://127.0.0.1:${port}/ok.json`, { allowInsecureLocalhost: false }),
      refused('blocked_address'),
    );
    await assert.rejects(
      fetchClientDocument(`https://[::ffff:127.0.0.1]:${port}/ok.json`, { allowInsecureLocalhost: false }),
      refused('blocked_address'),
    );
    // A public name that resolves to an internal address (DNS pointing inside) is refused too.
    await assert.rejects(
      fetchClientDocument(`https://apps.example.com:${port}/ok.json`, {
        allowInsecureLocalhost: false,
        resolve: async () => ['127.0.0.1'],
      }),
      refused('blocked_address'),
    );
    await assert.rejects(
      fetchClientDocument(`https://apps.example.com/ok.json`, {
        allowInsecureLocalhost: false,
        resolve: async () => ['93.184.216.34', '10.0.0.5'],
      }),
      refused('blocked_address'),
    );
    assert.equal(connections, before, 'no connection was made');
  });

  it('the development setting does not open private ranges, nor http to other hosts', async () => {
    await assert.rejects(
      fetchClientDocument('https://internal.example/c.json', {
        ...dev,
        resolve: async () => ['192.168.1.10'],
      }),
      refused('blocked_address'),
    );
    await assert.rejects(fetchClientDocument('http://apps.example.com/c.json', dev), refused('invalid_url'));
  });

  it('refuses a name that does not resolve, and URLs with credentials', async () => {
    await assert.rejects(
      fetchClientDocument('https://nowhere.invalid/c.json', {
        allowInsecureLocalhost: false,
        resolve: () => Promise.reject(new Error('ENOTFOUND')),
      }),
      refused('dns_failed'),
    );
    await assert.rejects(
      fetchClientDocument('https://user:pw@apps.example.com/c.json', { allowInsecureLocalhost: false }),
      refused('invalid_url'),
    );
  });
});

describe('cacheLifetimeSeconds (min 5 min, max 24 h)', () => {
  const cases: [string | undefined, number][] = [
    [undefined, 300],
    ['', 300],
    ['max-age=60', 300],
    ['max-age=3600', 3600],
    ['public, max-age=7200', 7200],
    ['max-age=999999', 86400],
    ['no-store', 300],
    ['no-cache, max-age=3600', 300],
    ['s-maxage=3600', 300],
  ];
  for (const [header, seconds] of cases) {
    it(`${header ?? '(none)'} → ${seconds}`, () => assert.equal(cacheLifetimeSeconds(header), seconds));
  }
});
