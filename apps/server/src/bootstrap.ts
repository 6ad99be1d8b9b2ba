import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AppConfig } from '@app/config';
import { AppModule, type AppModuleOptions } from './app.module';
import { McpFastPath } from '@app/mcp';
import { TokenFastPath } from '@app/oauth';
import { DatabaseOutageFilter } from './database-outage.filter';
import { installFastPath } from './fast-path';
import { createHttpLogger, PinoNestLogger } from './logging';
import { httpMetricsMiddleware } from './metrics';

export interface CreateAppOptions {
  config: AppConfig;
  databaseUrl: string;
  logger: Logger;
  /** More modules for AppModule (tests: tool modules only they load). */
  extraModules?: AppModuleOptions['extraModules'];
}

/**
 * Builds the fully configured application without listening: main.ts and the end-to-end tests use
 * the same function, so tests exercise the real middleware stack.
 */
export async function createApp({
  config,
  databaseUrl,
  logger,
  extraModules,
}: CreateAppOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, databaseUrl, extraModules }),
    {
      logger: new PinoNestLogger(logger.child({ component: 'nest' })),
      abortOnError: false,
    },
  );
  app.disable('x-powered-by');
  // Client IPs and scheme come only from the proxy hops the operator trusts (ARCHITECTURE: TRUST_PROXY).
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.use(createHttpLogger(logger));
  const instanceId = config.instanceId;
  if (instanceId) {
    app.use((_req: unknown, res: { setHeader(n: string, v: string): void }, next: () => void) => {
      res.setHeader('X-Served-By', instanceId);
      next();
    });
  }
  if (config.metricsPort !== undefined) app.use(httpMetricsMiddleware());
  app.use(cookieParser());
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'https:', 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        // No form-action: the consent form's answer is a redirect to the client's redirect_uri,
        // which browsers would otherwise block.
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    // Discovery documents must be readable cross-origin (browser-based MCP clients).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    strictTransportSecurity: config.secureCookies ? { maxAge: 31536000 } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.use(securityHeaders);
  app.useGlobalFilters(new DatabaseOutageFilter(app.getHttpAdapter()));
  await app.init();
  // Issue #7: POST /mcp and POST /api/oauth/token (the plain cases) are answered on node:http in
  // front of Express (same rules, same headers).
  installFastPath(app, {
    routes: [app.get(McpFastPath), app.get(TokenFastPath)],
    logger,
    securityHeaders,
    instanceId,
    trustProxy: config.trustProxy,
    metrics: config.metricsPort !== undefined,
  });
  return app;
}
