// API entry point (and `all`: API and worker in one process). PROCESS_ROLE=worker hands over to worker.ts.
import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app/app.module';
import { installGracefulShutdown } from './app/graceful-shutdown';
import { configureHttpApp, HTTP_APP_OPTIONS } from './app/http-app';
import { loadConfigOrExit } from './app/load-config-or-exit';
import { ensureDatabaseExists, runMigrations } from './database/database-setup';
import { startWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.processRole === 'worker') return startWorker();
  await ensureDatabaseExists(config.databaseUrl);
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.create(AppModule.forConfig(config), HTTP_APP_OPTIONS);
  configureHttpApp(app);
  installGracefulShutdown(app, (message) => new NestLogger('Shutdown').log(message));
  await app.listen(config.port);
}

main().catch((error: unknown) => {
  console.error('Start-up failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
