// The worker as a real child process, so tests can kill it with SIGKILL and start it again.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestApp } from './test-app';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startWorkerProcess(t: TestApp, env: Record<string, string> = {}): Promise<WorkerProcess> {
  let output = '';
  const port = new URL(t.baseUrl).port;
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, 'src/worker.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: port,
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: t.redisPrefix,
      API_KEYS: 'admin:test-admin-key,staff:test-staff-key',
      LOG_LEVEL: 'info',
      // No health/metrics port unless a test asks for one: several workers may run at once.
      WORKER_HTTP_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(async () => output.includes('Worker started') || child.exitCode !== null, 'the worker to start', 60_000);
  if (child.exitCode !== null) throw new Error(`worker exited at start-up:\n${output}`);
  return {
    child,
    output: () => output,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
