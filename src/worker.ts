// Entry point for a worker: the same start as main.ts with PROCESS_ROLE=worker.
import 'reflect-metadata';
import { startProcess } from './app/bootstrap';
import { loadConfigOrExit } from './app/load-config-or-exit';

process.env.PROCESS_ROLE = 'worker';
startProcess(loadConfigOrExit()).catch((error: unknown) => {
  console.error('Worker start-up failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
