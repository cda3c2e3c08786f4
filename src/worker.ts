// Worker entry point: BullMQ processors and schedulers, no HTTP. Waits for an API process to migrate.
import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfigOrExit } from './app/load-config-or-exit';
import { WorkerModule } from './app/worker.module';
import { waitForSchema } from './database/database-setup';

export async function startWorker(): Promise<void> {
  const config = loadConfigOrExit();
  await waitForSchema(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  new NestLogger('Worker').log('Worker started');
}

if (require.main === module) {
  process.env.PROCESS_ROLE = 'worker';
  startWorker().catch((error: unknown) => {
    console.error('Worker start-up failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
