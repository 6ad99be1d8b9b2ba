import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body-reader';
import { JSON_UTF8, type EdgeReply, type EdgeRoute, type RequestBody } from './edge-route';

const NONE: RequestBody = Object.freeze({ kind: 'none' });

/**
 * Answers one request with `route`: reads the body (POST only), lets the route decide, writes the
 * reply after `headers` (what every response carries: the edge's). A client that goes away before
 * its body is complete gets nothing (the socket is closed).
 */
export async function serveRoute(
  route: EdgeRoute,
  req: IncomingMessage,
  res: ServerResponse,
  headers: string[],
  ip: string | null,
): Promise<void> {
  const method = req.method ?? 'GET';
  let body: RequestBody | null = NONE;
  if (method === 'POST') body = await readBody(req, route.body.kind, route.body.limit);
  else req.resume();
  if (body === null) {
    res.destroy();
    return;
  }
  const reply = await route.handle({ method, url: req.url ?? '/', headers: req.headers, body, ip });
  writeReply(res, headers, reply);
}

/**
 * The one way a route's reply is written: `headers` first (the flat list is extended in place),
 * then the route's, Content-Type and Content-Length; one writeHead (cheaper than a setHeader each).
 */
export function writeReply(res: ServerResponse, headers: string[], reply: EdgeReply): void {
  if (reply.headers) for (const value of reply.headers) headers.push(value);
  if (reply.body === undefined) {
    headers.push('Content-Length', '0');
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  headers.push(
    'Content-Type',
    reply.contentType ?? JSON_UTF8,
    'Content-Length',
    String(Buffer.byteLength(reply.body)),
  );
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}
