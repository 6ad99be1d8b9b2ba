import { createServer } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { type AppConfig } from '@app/config';
import { loadAppConfig } from '../../apps/server/src/config-slices';
import { createApp, type CreateAppOptions } from '../../apps/server/src/bootstrap';
import { createRootLogger } from '../../apps/server/src/logging';
import { startMetricsServer } from '../../apps/server/src/metrics';
import { createTestDatabase, type TestDatabase } from './database';

export interface TestApp {
  readonly app: NestExpressApplication;
  /** http://127.0.0.1:<port>, also the PUBLIC_URL and issuer. */
  readonly url: string;
  readonly config: AppConfig;
  readonly dataSource: DataSource;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface StartTestAppOptions {
  /** Extra environment variables (as strings, exactly as an operator would set them). */
  env?: Record<string, string>;
  /** Share a database with another app instance (multi-replica tests); otherwise a fresh one. */
  database?: TestDatabase;
  /** Tool modules only this test loads (e.g. the conformance suite's fixture tools). */
  extraModules?: CreateAppOptions['extraModules'];
  /** The root logger (default: LOG_LEVEL's, to stdout). */
  logger?: Logger;
}

/** Boots the real application (same bootstrap as main.ts) on a free port against its own database. */
export async function startTestApp(options: StartTestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadAppConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    MIGRATE_ON_START: 'false',
    DEV_LOGIN: 'true',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const app = await createApp({
    config,
    databaseUrl: database.url,
    logger: options.logger ?? createRootLogger(config.logLevel),
    extraModules: options.extraModules,
  });
  await app.listen(port, '127.0.0.1');
  const metrics =
    config.metricsPort !== undefined
      ? await startMetricsServer(config.metricsPort, app.get(DataSource), '127.0.0.1')
      : undefined;
  return {
    app,
    url,
    config,
    dataSource: app.get(DataSource),
    database,
    close: async () => {
      metrics?.close();
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}
