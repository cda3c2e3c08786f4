// The webhook benchmark's receivers, in a child process of their own: they stand for the clinics'
// servers, which are not on the load generator's event loop. (In the benchmark process they took
// event-loop time from autocannon, lowering the load offered to the service with endpoints and so
// counting against webhooks what was the harness's own doing.) Each receiver answers 200 at once
// and keeps, per request, the lag from the event's createdAt to its arrival.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

type FromChild = { urls: string[] } | { arrivals: number[] };

export interface Receivers {
  urls: string[];
  pid: number;
  /** Every arrival's lag (ms) so far, all receivers together. */
  arrivals(): Promise<number[]>;
  close(): Promise<void>;
}

export async function startReceivers(count: number): Promise<Receivers> {
  const child: ChildProcess = fork(__filename, [String(count)], {
    execArgv: ['-r', join(__dirname, '..', '..', 'test', 'support', 'ts-register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<FromChild>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the webhook receivers exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as FromChild);
      });
    });
  const ready = await next();
  if (!('urls' in ready)) throw new Error('the webhook receivers did not start');
  return {
    urls: ready.urls,
    pid: child.pid!,
    arrivals: async () => {
      const answer = next();
      child.send('report');
      const message = await answer;
      if (!('arrivals' in message)) throw new Error('unexpected answer from the webhook receivers');
      return message.arrivals;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function serve(count: number): Promise<void> {
  const arrivals: number[] = [];
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        arrivals.push(Date.now() - Date.parse((JSON.parse(body) as { createdAt: string }).createdAt));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
  }
  process.on('message', (message) => {
    if (message === 'report') process.send!({ arrivals });
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  process.send!({ urls });
}

if (require.main === module) void serve(Number(process.argv[2]));
