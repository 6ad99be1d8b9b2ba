import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJson, JsonFetchError } from './json-fetch';

describe('fetchJson', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') return res.end(JSON.stringify({ keys: [] }));
      if (req.url === '/big') return res.end(JSON.stringify({ pad: 'x'.repeat(10_000) }));
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: '/ok' });
        return res.end();
      }
      if (req.url === '/text') return res.end('not json');
      if (req.url === '/slow') return setTimeout(() => res.end('{}'), 500);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const reason = (expected: string) => (e: unknown) => e instanceof JsonFetchError && e.reason === expected;
  const local = { allowInsecureLocalhost: true };

  it('reads a JSON document', async () => {
    assert.deepEqual(await fetchJson(`${base}/ok`, local), { keys: [] });
  });

  it('refuses http without the development setting, and URLs with credentials', async () => {
    await assert.rejects(fetchJson(`${base}/ok`), reason('invalid_url'));
    await assert.rejects(fetchJson('https://u:p@idp.example/keys'), reason('invalid_url'));
    await assert.rejects(fetchJson('not a url'), reason('invalid_url'));
  });

  it('refuses redirects, other statuses, bodies over the cap, non-JSON and slow answers', async () => {
    await assert.rejects(fetchJson(`${base}/redirect`, local), reason('http_status'));
    await assert.rejects(fetchJson(`${base}/missing`, local), reason('http_status'));
    await assert.rejects(fetchJson(`${base}/big`, { ...local, maxBytes: 1000 }), reason('too_large'));
    await assert.rejects(fetchJson(`${base}/text`, local), reason('not_json'));
    await assert.rejects(fetchJson(`${base}/slow`, { ...local, timeoutMs: 100 }), reason('timeout'));
  });
});
