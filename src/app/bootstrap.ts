// The one way a process starts, whatever its role: the role picks the root module
// (app.module.ts); an API root is served on PORT with the API's HTTP settings, a worker root on
// WORKER_HTTP_PORT (health and metrics only) or without HTTP when that is 0.
import { INestApplicationContext, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from '../observability/pino-logger.module';
import type { AppConfig } from '../config/app-config';
import { ensureDatabaseExists, runMigrations, waitForSchema } from '../database/database-setup';
import { rootModuleFor } from './app.module';
import { installGracefulShutdown } from './graceful-shutdown';
import { configureHttpApp, configureWorkerHttpApp, HTTP_APP_OPTIONS } from './http-app';

const shutdownLog = (message: string) => new NestLogger('Shutdown').log(message);

export async function startProcess(config: AppConfig): Promise<INestApplicationContext> {
  if (config.processRole === 'worker') return startWorker(config);
  // Only the API (or all) migrates; workers wait for the schema.
  await ensureDatabaseExists(config.databaseUrl);
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.create(rootModuleFor(config), HTTP_APP_OPTIONS);
  configureHttpApp(app);
  installGracefulShutdown(app, shutdownLog);
  await app.listen(config.port);
  return app;
}

async function startWorker(config: AppConfig): Promise<INestApplicationContext> {
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
  new NestLogger('Worker').log(`Worker started${config.workerHttpPort > 0 ? `; health and metrics on port ${config.workerHttpPort}` : ''}`);
  return app;
}
