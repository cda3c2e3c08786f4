// The one way a process starts, whatever its role: the role picks the root module
// (app.module.ts); an API root is served on PORT with the API's HTTP settings, a worker root on
// WORKER_HTTP_PORT (health and metrics only) or without HTTP when that is 0. Before any work it
// checks what would make the start fail (the port, Postgres) and says so in one line; when ready
// it says in one line where the service is.
import { INestApplicationContext, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { ensureDatabaseExists, runMigrations, waitForSchema } from '../database/database-setup';
import { loggerParams } from '../observability/logging';
import { Logger, LoggerModule } from '../observability/pino-logger.module';
import { rootModuleFor } from './app.module';
import { installGracefulShutdown } from './graceful-shutdown';
import { configureHttpApp, configureWorkerHttpApp, HTTP_APP_OPTIONS } from './http-app';
import { checkPortFree, checkPostgresReachable } from './start-up-checks';

const shutdownLog = (message: string) => new NestLogger('Shutdown').log(message);

export async function startProcess(config: AppConfig): Promise<INestApplicationContext> {
  // Every line is JSON from the first one: Nest's static logger writes through pino too.
  NestLogger.overrideLogger(LoggerModule.standalone(loggerParams(config)));
  if (config.processRole === 'worker') return startWorker(config);
  await checkPortFree(config.port, 'PORT');
  await checkPostgresReachable(config.databaseUrl);
  // Only the API (or all) migrates; workers wait for the schema.
  await ensureDatabaseExists(config.databaseUrl);
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.create(rootModuleFor(config), HTTP_APP_OPTIONS);
  configureHttpApp(app);
  installGracefulShutdown(app, shutdownLog);
  await app.listen(config.port);
  new NestLogger('Ready').log(readyLine(config));
  return app;
}

async function startWorker(config: AppConfig): Promise<INestApplicationContext> {
  if (config.workerHttpPort > 0) await checkPortFree(config.workerHttpPort, 'WORKER_HTTP_PORT');
  await checkPostgresReachable(config.databaseUrl);
  await waitForSchema(config.databaseUrl);
  const root = rootModuleFor(config);
  let app: INestApplicationContext;
  if (config.workerHttpPort > 0) {
    const http = await NestFactory.create(root, { bufferLogs: true });
    configureWorkerHttpApp(http);
    installGracefulShutdown(http, shutdownLog);
    await http.listen(config.workerHttpPort);
    app = http;
  } else {
    app = await NestFactory.createApplicationContext(root, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    installGracefulShutdown(app, shutdownLog);
    await app.init();
  }
  new NestLogger('Ready').log(readyLine(config));
  return app;
}

/** The one line a person reads at start-up: where the service is, in which mode and role. */
export function readyLine(config: AppConfig): string {
  const mode = `${config.mpesa.env} mode`;
  if (config.processRole === 'worker') {
    const http = config.workerHttpPort > 0 ? `; health and metrics at http://localhost:${config.workerHttpPort}/health/ready and /metrics` : '';
    return `Worker started (${mode}, role worker)${http}`;
  }
  const base = `http://localhost:${config.port}`;
  const simulator = config.mpesa.env === 'simulator' ? `, Daraja simulator ${base}/simulator` : '';
  return (
    `Referral payments ready at ${base} (${mode}, role ${config.processRole}): dashboard ${base}/dashboard, ` +
    `API docs ${base}/docs, queues ${base}/admin/queues (admin key)${simulator}`
  );
}
