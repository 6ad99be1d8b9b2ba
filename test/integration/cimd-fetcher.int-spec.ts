// Checks SEC-04 (DNS rebinding between check and use): the fetcher resolves a name once and
// connects to that checked address, with Host and TLS SNI set to the URL's host — against a real TLS server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { startDocumentServer, type DocumentServer } from '../support/cimd-document-server';
import { CimdFetchError, fetchClientDocument } from '../../libs/oauth/src/cimd/document-fetcher';

describe('metadata document fetcher: one resolution, pinned connection', () => {
  let docs: DocumentServer;
  let port: string;
  const seen: { host?: string; servername?: string | false | null }[] = [];

  before(async () => {
    docs = await startDocumentServer({ tls: true });
    port = new URL(docs.origin).port;
    docs.route('/c.json', (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  after(() => docs.close());

  it('a name is resolved once; a rebinding answer on a second lookup would never be asked for', async () => {
    const answers = [['127.0.0.1'], ['169.254.169.254']];
    let lookups = 0;
    const doc = await fetchClientDocument(`https://rebind.test:${port}/c.json`, {
      allowInsecureLocalhost: true, // lets the test reach its own loopback TLS server
      resolve: async () => answers[lookups++],
    });
    assert.deepEqual(doc.body, { ok: true });
    assert.equal(lookups, 1);
    assert.equal(doc.address, '127.0.0.1');
    assert.deepEqual(seen.at(-1), { host: `rebind.test:${port}`, servername: 'rebind.test' });
  });

  it('the same name answering an internal address first is refused before connecting', async () => {
    const before = docs.connections;
    await assert.rejects(
      fetchClientDocument(`https://rebind.test:${port}/c.json`, {
        allowInsecureLocalhost: false,
        resolve: async () => ['127.0.0.1'],
      }),
      (e: unknown) => e instanceof CimdFetchError && e.reason === 'blocked_address',
    );
    assert.equal(docs.connections, before);
  });
});
