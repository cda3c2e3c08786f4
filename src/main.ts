// Entry point for every role (PROCESS_ROLE: all, api or worker).
import 'reflect-metadata';
import { startProcess } from './app/bootstrap';
import { loadConfigOrExit } from './app/load-config-or-exit';

startProcess(loadConfigOrExit()).catch((error: unknown) => {
  console.error('Start-up failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
