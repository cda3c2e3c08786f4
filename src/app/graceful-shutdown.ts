// SIGTERM / SIGINT: stop taking new requests (they get 503 and "Connection: close"), let the ones
// in flight finish, let BullMQ workers finish their active jobs (an unfinished one is handed back
// when its lock lapses), then close connections and exit. A hard limit keeps a stuck shutdown
// from outliving the orchestrator's patience.
import type { INestApplicationContext } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const HARD_LIMIT_MS = 30_000;
let shuttingDown = false;

export function isShuttingDown(): boolean {
  return shuttingDown;
}

/** Express middleware, first in line: a process on its way out takes no new work. */
export function refuseWhileShuttingDown(_req: Request, res: Response, next: NextFunction): void {
  if (!shuttingDown) return next();
  res.setHeader('Connection', 'close');
  res.status(503).json({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'This process is shutting down; retry on another' });
}

export function installGracefulShutdown(app: INestApplicationContext, log: (message: string) => void): void {
  const stop = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${signal} received: finishing requests and jobs in flight, then exiting`);
    setTimeout(() => {
      log(`Shutdown took longer than ${HARD_LIMIT_MS} ms; exiting anyway`);
      process.exit(1);
    }, HARD_LIMIT_MS).unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
