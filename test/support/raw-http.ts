/**
 * HTTP requests with exact control over headers and body bytes (node:http, no fetch defaults), and
 * clients that go away mid-body: for the edge's body reader and the one-route tests.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `chunks` 20 ms apart with exactly `headers` (no Content-Length unless given: then chunked). */
export function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  chunks: Buffer[] = [],
): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(parts).toString('utf8') });
      });
    });
    req.on('error', reject);
    void (async () => {
      for (const chunk of chunks) {
        req.write(chunk);
        await delay(20);
      }
      req.end();
    })();
  });
}

/**
 * Declares a 100-byte body, sends 10 bytes, then destroys the socket (or half-closes it: `end`);
 * resolves with whatever the server sent back (latin1).
 */
export function abandonBody(
  baseUrl: string,
  path: string,
  contentType: string,
  how: 'destroy' | 'end',
): Promise<string> {
  const port = Number(new URL(baseUrl).port);
  return new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: 100\r\n\r\n`,
    );
    void delay(30).then(async () => {
      socket.write('grant_type');
      await delay(30);
      if (how === 'destroy') socket.destroy();
      else socket.end();
    });
  });
}
