import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import client from 'prom-client';
import { redactUrl } from './logging';

/** A route answered on raw node:http, in front of Express (issue #7: the /mcp hot path). */
export interface FastRoute {
  /** Whether this request is one the route answers itself; all others go to Express untouched. */
  accepts(req: IncomingMessage): boolean;
  /**
   * Answers with `res.writeHead(status, headers)`: `headers` (a flat name, value, ... list) already
   * holds what every response carries; the route appends its own and must send them all.
   */
  handle(req: IncomingMessage, res: ServerResponse, ip: string | null, headers: string[]): Promise<void>;
}

export interface FastPathOptions {
  readonly routes: readonly FastRoute[];
  readonly logger: Logger;
  /** The helmet middleware the Express app uses: run once here, its headers are sent verbatim. */
  readonly securityHeaders: (
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) => void;
  readonly instanceId?: string;
  readonly trustProxy: boolean | number | string | undefined;
  readonly metrics: boolean;
}

/** Same rule as the access logger's genReqId (logging.ts): a well-formed incoming id is kept. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The headers a middleware sets on every response, collected by running it once on a stub. */
export function collectStaticHeaders(
  middleware: FastPathOptions['securityHeaders'],
): readonly (readonly [string, string])[] {
  const headers: [string, string][] = [];
  let synchronous = false;
  const stubRequest = { headers: {}, method: 'GET', url: '/' } as unknown as IncomingMessage;
  const stubResponse = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  } as unknown as ServerResponse;
  middleware(stubRequest, stubResponse, () => (synchronous = true));
  if (!synchronous) throw new Error('fast path: the security header middleware is not synchronous');
  return headers;
}

/**
 * Puts a node:http request listener in front of the Express app: requests a FastRoute accepts are
 * answered without Express and the Nest pipeline, with what the Express stack adds to every response
 * done here the same way (bootstrap.ts order): X-Request-Id and the access log line (as pino-http
 * writes it), X-Served-By, the HTTP latency histogram, the helmet security headers (precomputed: they
 * do not depend on the request). Everything else goes to Express unchanged. Graceful shutdown is
 * unaffected: the listener runs on the same server, which main.ts closes and drains.
 */
export function installFastPath(app: NestExpressApplication, options: FastPathOptions): void {
  const server: Server = app.getHttpServer();
  const fallback = server.listeners('request') as RequestListener[];
  if (fallback.length !== 1) throw new Error('fast path: expected exactly one request listener (Express)');
  const express = fallback[0];
  const expressApp = app.getHttpAdapter().getInstance() as { request: object };
  const staticHeaders: string[] = [];
  if (options.instanceId) staticHeaders.push('X-Served-By', options.instanceId);
  for (const [name, value] of collectStaticHeaders(options.securityHeaders)) staticHeaders.push(name, value);
  const { logger, routes } = options;
  const duration = options.metrics
    ? (client.register.getSingleMetric('http_request_duration_seconds') as
        client.Histogram<'method' | 'route' | 'status'> | undefined)
    : undefined;
  // Client IP exactly as Express computes req.ip (TRUST_PROXY, ARCHITECTURE), when proxies are trusted.
  // Express 5 defines the getter on a prototype of app.request, not on the object itself.
  const ipGetter = findGetter(expressApp.request, 'ip');
  if (options.trustProxy !== undefined && !ipGetter) {
    throw new Error('fast path: Express has no req.ip getter to honour TRUST_PROXY with');
  }
  const clientIp = (req: IncomingMessage): string | null =>
    options.trustProxy === undefined || !ipGetter
      ? (req.socket.remoteAddress ?? null)
      : ((ipGetter.call({
          app: expressApp,
          headers: req.headers,
          socket: req.socket,
          connection: req.socket,
        }) as string | undefined) ?? null);

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    let route: FastRoute | undefined;
    for (const r of routes) {
      if (r.accepts(req)) {
        route = r;
        break;
      }
    }
    if (!route) {
      express(req, res);
      return;
    }
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const headers = ['X-Request-Id', id, ...staticHeaders];
    const path = req.url;
    if (duration || logger.isLevelEnabled('info')) {
      res.once('finish', () => {
        const status = res.statusCode;
        duration?.observe(
          { method: req.method, route: path, status: String(status) },
          (performance.now() - started) / 1000,
        );
        const fields = {
          req: { id, method: req.method, url: redactUrl(path) },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        };
        if (status >= 500) logger.error(fields, 'request errored');
        else logger.info(fields, 'request completed');
      });
    }
    route.handle(req, res, clientIp(req), headers).catch((error: unknown) => {
      logger.error({ err: error, req: { id } }, 'fast path: unhandled error');
      if (!res.headersSent) {
        res.writeHead(500, ['X-Request-Id', id, ...staticHeaders, 'Cache-Control', 'no-store']);
        res.end();
      } else res.destroy();
    });
  };
  server.removeListener('request', express);
  server.on('request', listener);
}

/** The getter `name` on `target` or on the nearest object of its prototype chain that has one. */
function findGetter(target: object, name: string): (() => unknown) | undefined {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const getter = Object.getOwnPropertyDescriptor(o, name)?.get;
    if (getter) return getter;
  }
  return undefined;
}
