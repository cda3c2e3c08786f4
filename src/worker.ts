// Worker entry point: BullMQ processors and schedulers. Its only HTTP is health and metrics on
// WORKER_HTTP_PORT (none when 0). Waits for an API process to migrate.
import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfigOrExit } from './app/load-config-or-exit';
import { installGracefulShutdown, refuseWhileShuttingDown } from './app/graceful-shutdown';
import { WorkerHttpModule } from './app/worker-http.module';
import { WorkerModule } from './app/worker.module';
import { waitForSchema } from './database/database-setup';

const shutdownLog = (message: string) => new NestLogger('Shutdown').log(message);

export async function startWorker(): Promise<void> {
  const config = loadConfigOrExit();
  await waitForSchema(config.databaseUrl);
  if (config.workerHttpPort > 0) {
    const app = await NestFactory.create(WorkerHttpModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    app.use(refuseWhileShuttingDown);
    installGracefulShutdown(app, shutdownLog);
    await app.listen(config.workerHttpPort);
  } else {
    const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    installGracefulShutdown(app, shutdownLog);
    await app.init();
  }
  new NestLogger('Worker').log(`Worker started${config.workerHttpPort > 0 ? `; health and metrics on port ${config.workerHttpPort}` : ''}`);
}

if (require.main === module) {
  process.env.PROCESS_ROLE = 'worker';
  startWorker().catch((error: unknown) => {
    console.error('Worker start-up failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
