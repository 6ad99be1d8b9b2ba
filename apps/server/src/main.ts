import 'reflect-metadata';
import { ConfigValidationError, type AppConfig } from '@app/config';
import { loadAppConfig } from './config-slices';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '@app/persistence';
import { createApp } from './bootstrap';
import { Lifecycle } from './lifecycle';
import { createRootLogger } from './logging';
import { startMetricsServer } from './metrics';
import { DataSource } from 'typeorm';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(
        `${error.message}\nThe server did not start. Fix the variables above and start it again.\n`,
      );
      process.exit(1);
    }
    throw error;
  }
  const logger = createRootLogger(config.logLevel);
  const started = Date.now();
  if (config.sessionSecretIsEphemeral) {
    logger.warn('SESSION_SECRET is not set: using a random per-start secret (sign-ins end at restart)');
  }

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase(config.database.dataDir, {
      log: (m) => logger.info({ component: 'embedded-postgres' }, m),
      warn: (m) => logger.warn({ component: 'embedded-postgres' }, m),
    });
    databaseUrl = embedded.url;
  }

  const app = await createApp({ config, databaseUrl, logger });
  await app.listen(config.port);
  const server = app.getHttpServer();
  const metrics =
    config.metricsPort !== undefined
      ? await startMetricsServer(config.metricsPort, app.get(DataSource))
      : undefined;
  logger.info(
    {
      port: config.port,
      publicUrl: config.publicUrl,
      database: embedded ? 'embedded' : 'external',
      startMs: Date.now() - started,
    },
    `listening on ${config.publicUrl}`,
  );

  // Graceful shutdown: stop accepting, let in-flight requests finish, close the pool, exit 0.
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    app.get(Lifecycle).startDraining();
    const deadline = setTimeout(() => {
      logger.error(
        { timeoutMs: config.shutdownTimeoutMs },
        'shutdown timed out; closing remaining connections',
      );
      server.closeAllConnections();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    // Idle keep-alive sockets would otherwise hold server.close() open until they time out.
    const idleSweeper = setInterval(() => server.closeIdleConnections(), 200);
    try {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearInterval(idleSweeper);
      metrics?.close();
      await app.close();
      await embedded?.stop();
      clearTimeout(deadline);
      logger.info('shutdown complete');
      logger.flush();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}

main().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
