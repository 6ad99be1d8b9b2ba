// The edge's body reader (body-parser's rules for JSON and forms, shared by /mcp and the token endpoint):
// media type and charset, limits before and after inflating, strict JSON, qs limits, aborted bodies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { mediaType, parseForm, parseJson, readBody } from './body-reader';
import type { BodyKind, RequestBody } from './edge-route';

describe('body reader', () => {
  let server: Server;
  let port: number;
  before(async () => {
    // Echoes what readBody made of the request (kind and limit from the query string).
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const kind = url.searchParams.get('kind') as BodyKind;
      void readBody(req, kind, Number(url.searchParams.get('limit') ?? 1024)).then((body) => {
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const read = (kind: BodyKind, headers: Record<string, string>, body?: Buffer, limit = 1024) =>
    new Promise<RequestBody>((resolve, reject) => {
      const req = request(
        { port, host: '127.0.0.1', method: 'POST', path: `/?kind=${kind}&limit=${limit}`, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as RequestBody));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const json = (body: Buffer | string, headers: Record<string, string> = {}, limit?: number) =>
    read('json', { 'content-type': 'application/json', ...headers }, Buffer.from(body), limit);

  it('parses the route media type; another one is left unread', async () => {
    assert.deepEqual(await json('{"a":1}'), { kind: 'parsed', value: { a: 1 } });
    assert.deepEqual(await json('{"a":1}', { 'content-type': 'text/plain' }), { kind: 'none' });
    // An empty body (Content-Length: 0) of the right type is {}.
    assert.deepEqual(await read('json', { 'content-type': 'application/json' }), {
      kind: 'parsed',
      value: {},
    });
    assert.deepEqual(
      await read('form', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('a=1&b[c]=2')),
      { kind: 'parsed', value: { a: '1', b: { c: '2' } } },
    );
  });

  it('limits: declared or streamed past the limit 413, also after inflating; gzip and deflate read', async () => {
    assert.deepEqual(await json(`{"a":"${'x'.repeat(2000)}"}`), { kind: 'refused', status: 413 });
    assert.deepEqual(await json(gzipSync(`[${'1,'.repeat(2000)}1]`), { 'content-encoding': 'gzip' }), {
      kind: 'refused',
      status: 413,
    });
    assert.deepEqual(await json(gzipSync('{"a":1}'), { 'content-encoding': 'gzip' }), {
      kind: 'parsed',
      value: { a: 1 },
    });
    assert.deepEqual(await json(deflateSync('{"a":2}'), { 'content-encoding': 'DEFLATE' }), {
      kind: 'parsed',
      value: { a: 2 },
    });
    assert.deepEqual(await json('{"a":1}', { 'content-encoding': 'gzip' }), { kind: 'refused', status: 400 });
    assert.deepEqual(await json('{"a":1}', { 'content-encoding': 'compress' }), {
      kind: 'refused',
      status: 415,
    });
  });

  it('charsets: JSON is UTF-8 only; forms UTF-8 or ISO-8859-1', async () => {
    assert.equal((await json('{}', { 'content-type': 'application/json; charset="UTF-8"' })).kind, 'parsed');
    assert.deepEqual(await json('{}', { 'content-type': 'application/json; charset=utf-16' }), {
      kind: 'refused',
      status: 415,
    });
    const latin1 = await read(
      'form',
      { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' },
      Buffer.from([0x61, 0x3d, 0xe9]),
    );
    assert.deepEqual(latin1, { kind: 'parsed', value: { a: 'é' } });
  });

  it('strict JSON: an object or an array; a BOM dropped; empty is {}', () => {
    assert.deepEqual(parseJson(''), { kind: 'parsed', value: {} });
    assert.deepEqual(parseJson(' \n[1]'), { kind: 'parsed', value: [1] });
    for (const text of ['"s"', '1', 'null', 'true', '{', '{"a":1}x']) {
      assert.deepEqual(parseJson(text), { kind: 'refused', status: 400 }, text);
    }
  });

  it('forms: 1000 parameters at most (413), nesting up to 32 (400 beyond), qs decoding', () => {
    assert.equal(parseForm(`a=1${'&b'.repeat(999)}`).kind, 'parsed');
    assert.deepEqual(parseForm(`a=1${'&b'.repeat(1000)}`), { kind: 'refused', status: 413 });
    assert.deepEqual(parseForm(`a${'[b]'.repeat(33)}=1`), { kind: 'refused', status: 400 });
    assert.deepEqual(parseForm('a=%ZZ&b=x+y&c%5Fd=1'), {
      kind: 'parsed',
      value: { a: '%ZZ', b: 'x y', c_d: '1' },
    });
  });

  it('mediaType: essence in lower case, charset unquoted', () => {
    assert.deepEqual(mediaType('Application/JSON ; Charset="UTF-8"'), {
      essence: 'application/json',
      charset: 'utf-8',
    });
    assert.deepEqual(mediaType('text/plain'), { essence: 'text/plain', charset: undefined });
    assert.equal(mediaType(undefined), undefined);
  });
});
