// The peers (hand-rolled baselines of the push and callback paths) run in the same benchmark run as
// the service, so each figure stands beside the peer's, measured on the same machine minutes apart.
// They live outside the project (BENCH_PEERS_DIR, default ../shared/peers): when they are not
// there, the benchmark says so and runs the service alone. Nothing here is needed to build or test.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { REDIS_URL, ROOT, PG_BASE_URL, round } from './harness';

export type PeerName = 'minimal-push' | 'minimal-callback';

export const PEERS_DIR = resolve(ROOT, process.env.BENCH_PEERS_DIR ?? '../shared/peers');

/** What the push peer prints (bench.mjs in minimal-push). */
export interface PushPeerResult {
  N: number;
  C: number;
  pushesPerSec: number;
  requestsPerSec: number;
  p50ms: number;
  p99ms: number;
  cpuMsPerPush: Record<string, number> & { total: number };
  load1mAtStart: number;
  load1mAtEnd: number;
}

/** What the callback peer prints (bench.mjs in minimal-callback): applied per request, one transaction each. */
export interface CallbackPeerResult {
  N: number;
  C: number;
  callbacksPerSec: number;
  p50ms: number;
  p99ms: number;
  completed: number;
  non2xx: number;
  pgbenchN_tps: number;
}

export type PeerRun<T> = { ran: true; result: T; load1m: { start: number; end: number } } | { ran: false; reason: string };

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out.slice(-4000)}`));
    });
  });
}

/**
 * A copy of the peer with its dependencies installed (`npm ci`, as the peers' README says), in the
 * temp directory. The copy is kept under the hash of the peer's files, so later runs of the same
 * peer skip the install; a changed peer gets a fresh copy.
 */
async function installedCopy(peer: PeerName): Promise<string> {
  const source = join(PEERS_DIR, peer);
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json', 'bench.mjs', 'server.mjs', 'worker.mjs']) {
    if (existsSync(join(source, file))) hash.update(file).update(readFileSync(join(source, file)));
  }
  const dir = join(os.tmpdir(), `rp-bench-peer-${peer}-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(join(dir, 'node_modules', '.package-lock.json'))) return dir;
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  cpSync(source, staging, { recursive: true, filter: (path) => !path.includes('node_modules') });
  await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], staging, process.env, 300_000);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/**
 * Runs one peer's bench.mjs with n items at `concurrency` connections and answers its JSON line,
 * or why it did not run. Never throws: a missing or broken peer must not fail the service's benchmark.
 */
export async function runPeer<T>(peer: PeerName, n: number, concurrency: number, env: Record<string, string> = {}): Promise<PeerRun<T>> {
  if (!existsSync(join(PEERS_DIR, peer, 'bench.mjs'))) {
    return { ran: false, reason: `no peer at ${join(PEERS_DIR, peer)} (set BENCH_PEERS_DIR to the peers directory to compare)` };
  }
  try {
    const dir = await installedCopy(peer);
    const start = round(os.loadavg()[0]);
    const out = await run(process.execPath, ['bench.mjs', String(n), String(concurrency)], dir, { ...process.env, PG_BASE: PG_BASE_URL, REDIS_URL, ...env }, Math.max(300_000, n * 60));
    const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
    if (!line) throw new Error(`the peer printed no result:\n${out.slice(-2000)}`);
    return { ran: true, result: JSON.parse(line) as T, load1m: { start, end: round(os.loadavg()[0]) } };
  } catch (error) {
    return { ran: false, reason: `the peer ${peer} failed: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** BENCH_PEERS=off runs the service's benchmarks alone. */
export function peersWanted(): boolean {
  return process.env.BENCH_PEERS !== 'off';
}

/** "0.42× the peer (x vs y)" or why there is no ratio. */
export function versusPeer(ours: number, peer: number | null, unit: string, higherIsBetter = true): string {
  if (peer === null || !Number.isFinite(peer) || peer === 0) return 'no peer figure';
  const ratio = round(ours / peer, 3);
  return `${ratio}× the peer (${ours} vs ${peer} ${unit}; ${higherIsBetter ? 'higher' : 'lower'} is better)`;
}
