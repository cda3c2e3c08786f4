// The service's real processes (API and worker), TypeScript run directly as in production's
// `node dist/src/main.js`, each writing its log to a file of the run; they can be sent SIGKILL and
// started again with the same settings.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export type Role = 'api' | 'worker';

export interface ServiceSpec {
  name: string;
  role: Role;
  /** the API's PORT, or the worker's WORKER_HTTP_PORT (health and metrics) */
  httpPort: number;
  env: Record<string, string>;
  logFile: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log: WriteStream | null = null;
  private started = 0;
  private stopping = false;
  /** exits nobody asked for (a crash): each is a failure of the run */
  readonly crashes: string[] = [];

  constructor(readonly spec: ServiceSpec) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.spec.httpPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    this.started++;
    const entry = this.spec.role === 'api' ? 'src/main.ts' : 'src/worker.ts';
    const portVariable = this.spec.role === 'api' ? { PORT: String(this.spec.httpPort), PROCESS_ROLE: 'api' } : { WORKER_HTTP_PORT: String(this.spec.httpPort) };
    this.log ??= createWriteStream(this.spec.logFile, { flags: 'a' });
    this.log.write(`\n===== start #${this.started} at ${new Date().toISOString()} =====\n`);
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, entry)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...this.spec.env, ...portVariable },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    this.stopping = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.crashes.push(`${this.spec.name} exited by itself (code ${code}, signal ${signal}) at ${new Date().toISOString()}`);
        resolve();
      }),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.spec.name} exited at start-up; see ${this.spec.logFile}`);
      const res = await fetch(`${this.baseUrl}/health/live`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
      if (res?.ok) return;
      if (Date.now() > deadline) throw new Error(`${this.spec.name} did not start within ${timeoutMs} ms; see ${this.spec.logFile}`);
      await sleep(200);
    }
  }

  /** Sends the signal and waits for the process to be gone (SIGTERM: its graceful shutdown). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await this.exited;
    this.child = null;
  }

  /** Last resort for cleanup paths that cannot wait. */
  killNow(): void {
    this.stopping = true;
    if (this.isRunning) this.child!.kill('SIGKILL');
  }

  closeLog(): void {
    this.log?.end();
    this.log = null;
  }
}
