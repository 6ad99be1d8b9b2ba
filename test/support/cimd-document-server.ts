/**
 * A local publisher of Client ID Metadata Documents for the tests: an http (or https, with a
 * throw-away self-signed certificate for localhost) server whose routes the test sets and whose
 * requests and connections it counts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type DocumentHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DocumentServer {
  readonly origin: string;
  url(path: string): string;
  /** Serves `body` as application/json at `path` (with optional extra headers). */
  json(path: string, body: unknown, headers?: Record<string, string>): void;
  route(path: string, handler: DocumentHandler): void;
  /** Requests per path so far. */
  hits(path: string): number;
  readonly connections: number;
  close(): Promise<void>;
}

function selfSignedLocalhost(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startDocumentServer(
  options: { tls?: boolean; host?: string } = {},
): Promise<DocumentServer> {
  const routes = new Map<string, DocumentHandler>();
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };
  const server: Server = options.tls
    ? createHttpsServer(selfSignedLocalhost(), handler)
    : createHttpServer(handler);
  server.on(options.tls ? 'secureConnection' : 'connection', () => connections++);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `${options.tls ? 'https' : 'http'}://${options.host ?? 'localhost'}:${port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    json(path, body, headers = {}) {
      routes.set(path, (_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body)),
      );
    },
    route: (path, h) => routes.set(path, h),
    hits: (path) => counts.get(path) ?? 0,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
