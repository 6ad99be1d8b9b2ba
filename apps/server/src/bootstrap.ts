import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Logger } from 'pino';
import type { AppConfig } from '@app/config';
import { McpRoute } from '@app/mcp';
import { TokenRoute } from '@app/oauth';
import { AppModule, type AppModuleOptions } from './app.module';
import { DatabaseOutageFilter } from './database-outage.filter';
import { installEdge } from './edge';
import { PinoNestLogger } from './logging';
import { securityHeaders } from './security-headers';

export interface CreateAppOptions {
  config: AppConfig;
  databaseUrl: string;
  logger: Logger;
  /** More modules for AppModule (tests: tool modules only they load). */
  extraModules?: AppModuleOptions['extraModules'];
}

/**
 * Builds the fully configured application without listening: main.ts and the end-to-end tests use
 * the same function, so tests exercise the real request path.
 *
 * Adding middleware? Read docs/architecture-request-path.md first. Whatever every response needs
 * (request id, access log, security headers, X-Served-By, metrics, client IP under TRUST_PROXY) is the
 * edge's job (edge.ts), NOT `app.use`: /mcp and the token endpoint are answered on node:http before
 * Express, so an Express middleware never sees them. `app.use` is only for what concerns the Express
 * routes alone (here: cookies for the sign-in and account pages).
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
  app.use(cookieParser());
  app.useGlobalFilters(new DatabaseOutageFilter(app.getHttpAdapter()));
  await app.init();
  installEdge(app, {
    routes: [app.get(McpRoute), app.get(TokenRoute)],
    logger,
    securityHeaders: securityHeaders({ hsts: config.secureCookies }),
    instanceId: config.instanceId,
    trustProxy: config.trustProxy,
    metrics: config.metricsPort !== undefined,
  });
  return app;
}
