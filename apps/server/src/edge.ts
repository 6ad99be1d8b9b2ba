import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { serveRoute, type EdgeRoute } from '@app/web';
import { redactUrl } from './logging';
import { observeRequest } from './metrics';

export interface EdgeOptions {
  /** Routes answered on node:http without Express (each owns every method of its path). */
  readonly routes: readonly EdgeRoute[];
  readonly logger: Logger;
  /** The security headers of every response (security-headers.ts), name, value, ... */
  readonly securityHeaders: readonly string[];
  /** INSTANCE_ID: sent as X-Served-By. */
  readonly instanceId?: string;
  /** TRUST_PROXY: which proxy hops may tell the client address (X-Forwarded-For). */
  readonly trustProxy: boolean | number | string | undefined;
  /** Whether to record the latency histogram (METRICS_PORT is set). */
  readonly metrics: boolean;
}

/** A well-formed incoming X-Request-Id is kept (a proxy's trace id); anything else gets a new one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes: counted in the metrics, not access-logged (they come every few seconds). */
const QUIET = new Set(['/healthz', '/readyz']);

/**
 * The edge: the one request listener of the HTTP server, in front of everything. Every response gets
 * here, once, what every response carries, whoever answers it:
 * - X-Request-Id (the incoming one when well-formed, else a UUID), X-Served-By, the security headers;
 * - the access-log line (`request completed`: request id, method, URL with secrets redacted, status,
 *   response time; never headers or bodies, RS-TOK-09) and the latency histogram;
 * - the client IP under TRUST_PROXY (Express's rule, computed once: routes get it as `ip`, Express
 *   code reads it as `req.ip`).
 * Then a request for one of `routes` (/mcp, the token endpoint) is answered by it on node:http, its
 * body read by the shared reader; every other request goes to Express (pages, registration, ...).
 * Nothing that applies to every response may live in an Express middleware (`app.use`): the routes
 * here would never see it.
 */
export function installEdge(app: NestExpressApplication, options: EdgeOptions): void {
  app.disable('x-powered-by');
  // Express's req.protocol/secure (and its req.ip rule, used below) honour the trusted hops only.
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  const server: Server = app.getHttpServer();
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) throw new Error('edge: expected exactly one request listener (Express)');
  const edge = createEdge(listeners[0], clientIpRule(app, options.trustProxy), options);
  server.removeListener('request', listeners[0]);
  server.on('request', edge);
}

function createEdge(
  express: RequestListener,
  clientIp: (req: IncomingMessage) => string | null,
  options: EdgeOptions,
): RequestListener {
  const { logger } = options;
  const common: string[] = [];
  if (options.instanceId) common.push('X-Served-By', options.instanceId);
  common.push(...options.securityHeaders);
  const routes = new Map(options.routes.map((route) => [route.path, route]));

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const route = routes.get(path) ?? routes.get(routeKey(path));
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const ip = clientIp(req);
    const log = !QUIET.has(url) && logger.isLevelEnabled('info');
    if (log || options.metrics) {
      res.once('close', () => {
        const status = res.statusCode;
        const ms = performance.now() - started;
        const fields = {
          req: { id, method: req.method, url: redactUrl(url) },
          res: { statusCode: status },
          responseTime: Math.round(ms),
        };
        if (!res.writableFinished) {
          if (log) logger.warn(fields, 'request aborted');
          return;
        }
        if (options.metrics) {
          observeRequest(req.method ?? '', route ? route.path : expressRoute(req, path), status, ms / 1000);
        }
        if (!log) return;
        if (status >= 500) logger.error(fields, 'request errored');
        else logger.info(fields, 'request completed');
      });
    }
    if (route) {
      const headers = ['X-Request-Id', id];
      for (const value of common) headers.push(value);
      serveRoute(route, req, res, headers, ip).catch((error: unknown) => {
        logger.error({ err: error, req: { id } }, 'edge: a route failed');
        if (res.headersSent) res.destroy();
        else res.writeHead(500, ['X-Request-Id', id, ...common, 'Cache-Control', 'no-store']).end();
      });
      return;
    }
    res.setHeader('X-Request-Id', id);
    for (let i = 0; i < common.length; i += 2) res.setHeader(common[i], common[i + 1]);
    // An own property shadows Express's req.ip getter: Express code reads the edge's address.
    Object.defineProperty(req, 'ip', { value: ip, enumerable: true, configurable: true, writable: true });
    express(req, res);
  };
}

/** As Express routes: case-insensitive, one trailing slash ignored (`/MCP/` is `/mcp`). */
function routeKey(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/** The route template Express matched, for the metrics (never the raw URL: no ids or tokens as labels). */
function expressRoute(req: IncomingMessage, path: string): string {
  const matched = req as IncomingMessage & { route?: { path?: string }; baseUrl?: string };
  const template = matched.route?.path;
  if (template) return `${matched.baseUrl ?? ''}${template}`;
  return path.startsWith('/.well-known/') ? '/.well-known' : 'unmatched';
}

/**
 * The client address: the socket's, or under TRUST_PROXY Express's own rule (proxy-addr over
 * X-Forwarded-For with the trusted hops), so pages, routes and rate limits agree on it.
 */
function clientIpRule(
  app: NestExpressApplication,
  trustProxy: EdgeOptions['trustProxy'],
): (req: IncomingMessage) => string | null {
  if (trustProxy === undefined) return (req) => req.socket.remoteAddress ?? null;
  const expressApp = app.getHttpAdapter().getInstance() as { request: object };
  // Express 5 defines the getter on a prototype of app.request, not on the object itself.
  let getter: (() => unknown) | undefined;
  for (
    let o: object | null = expressApp.request;
    o && !getter;
    o = Object.getPrototypeOf(o) as object | null
  ) {
    getter = Object.getOwnPropertyDescriptor(o, 'ip')?.get;
  }
  if (!getter) throw new Error('edge: Express has no req.ip getter to honour TRUST_PROXY with');
  const ipOf = getter;
  return (req) =>
    (ipOf.call({ app: expressApp, headers: req.headers, socket: req.socket, connection: req.socket }) as
      string | undefined) ?? null;
}
