// The API as a real child process (TypeScript run directly), for tests that send it signals.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './test-app';
import { createTestDatabase, testRedisPrefix } from './test-database';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');

export interface ApiProcess {
  child: ChildProcess;
  baseUrl: string;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

export async function startApiProcess(env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      PROCESS_ROLE: 'api',
      DATABASE_URL: await createTestDatabase(),
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: testRedisPrefix(),
      API_KEYS: 'admin:test-admin-key,staff:test-staff-key',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) return true;
    const res = await fetch(`${baseUrl}/health/live`).catch(() => null);
    return res?.ok ?? false;
  }, 'the API process to listen', 60_000);
  if (child.exitCode !== null) throw new Error(`API exited at start-up:\n${output}`);
  return { child, baseUrl, port, output: () => output, exited };
}
