// What every benchmark shares: options, its own databases and Redis key prefix (removed again at the
// end, so a benchmark can run beside the service and beside CI), the service's processes started
// as real children with their peak memory watched, and the tables and JSON it reports.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ensureDatabaseExists, runMigrations } from '../../src/database/database-setup';
import { freePort } from '../../test/support/free-port';

// The migration runner logs through Nest; a benchmark's output is its tables.
Logger.overrideLogger(['error', 'warn']);

export const ROOT = join(__dirname, '..', '..');
/** Where the service's dist/ is: this tree, or another build to compare with (BENCH_SERVICE_ROOT). */
export const SERVICE_ROOT = process.env.BENCH_SERVICE_ROOT ?? ROOT;
export const PG_BASE_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_KEY = 'bench-admin-key';
export const STAFF_KEY = 'bench-staff-key';
/** Simulator mode's default MPESA_CALLBACK_TOKEN. */
export const CALLBACK_PATH = '/api/stk-callback/dev-callback-token';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
for (const [name, url] of [['Postgres', PG_BASE_URL], ['Redis', REDIS_URL]]) {
  if (!LOOPBACK.has(new URL(url).hostname)) throw new Error(`benchmarks only run against a loopback ${name} (got ${url})`);
}

export interface BenchOptions {
  smoke: boolean;
  /** run the service from src/ through ts-register instead of the compiled dist/ */
  source: boolean;
  n?: number;
  concurrency?: number;
  statsRows?: number;
  statsLoad: 'rebuild' | 'trigger';
  logLevel: string;
  /** write V8 CPU profiles of the service's processes to <resultsDir>/profiles */
  profile: boolean;
  /** bench/versus-peer.ts: how many service-then-peer rounds */
  rounds: number;
  /** where results go: bench/results, or bench/results/smoke in smoke mode */
  resultsDir: string;
  runId: string;
}

export function parseOptions(argv = process.argv.slice(2)): { options: BenchOptions; names: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      smoke: { type: 'boolean', default: false },
      source: { type: 'boolean', default: false },
      n: { type: 'string' },
      concurrency: { type: 'string', short: 'c' },
      'stats-rows': { type: 'string' },
      'stats-load': { type: 'string', default: 'rebuild' },
      'log-level': { type: 'string', default: 'warn' },
      profile: { type: 'boolean', default: false },
      rounds: { type: 'string' },
    },
  });
  const int = (value: string | undefined, name: string) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  if (values['stats-load'] !== 'rebuild' && values['stats-load'] !== 'trigger') throw new Error('--stats-load is rebuild or trigger');
  const smoke = values.smoke ?? false;
  return {
    names: positionals,
    options: {
      smoke,
      source: values.source ?? false,
      n: int(values.n, 'n'),
      concurrency: int(values.concurrency, 'concurrency'),
      statsRows: int(values['stats-rows'], 'stats-rows'),
      statsLoad: values['stats-load'],
      logLevel: values['log-level'] ?? 'warn',
      profile: values.profile ?? false,
      rounds: int(values.rounds, 'rounds') ?? 3,
      resultsDir: join(ROOT, 'bench', 'results', ...(smoke ? ['smoke'] : [])),
      runId: process.env.BENCH_RUN_ID ?? `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export { freePort };

/** Polls until probe() is truthy; bounded by a deadline. */
/**
 * How often a benchmark polls for "done". A count over a busy table costs the system under test
 * CPU, so the poll is gentle and the finish time comes from the database instead (lastPaymentEventAt).
 */
export const DONE_POLL_MS = 250;

/** When the newest payment history row was written (its `at` is clock_timestamp()), in epoch ms. */
export async function lastPaymentEventAt(pg: Client): Promise<number> {
  const { rows } = await pg.query<{ ms: string }>('SELECT extract(epoch FROM max(at)) * 1000 AS ms FROM payment_events');
  return Number(rows[0].ms);
}

export async function waitUntil<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Nearest-rank percentile of already sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function latencySummary(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(lanes);
}

// ---------------------------------------------------------------------------------------------
// The benchmark's own resources, all removed by cleanup()

export class BenchScope {
  private readonly databases: string[] = [];
  private readonly prefixes: string[] = [];
  private readonly children = new Set<ServiceProcess>();
  private readonly clients: Client[] = [];
  private cleaned = false;
  private readonly onSignal = () => {
    console.error(`\n${this.name}: interrupted, cleaning up`);
    void this.cleanup().finally(() => process.exit(130));
  };

  constructor(
    readonly name: string,
    readonly options: BenchOptions,
  ) {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /** rp_bench_<run>_<name>: a fresh database, migrated unless told otherwise. */
  async database(suffix: string, migrate = true): Promise<string> {
    const name = `rp_bench_${this.options.runId}_${suffix}`.toLowerCase();
    const url = `${PG_BASE_URL}/${name}`;
    this.databases.push(name);
    await ensureDatabaseExists(url);
    if (migrate) await runMigrations(url);
    return url;
  }

  redisPrefix(suffix: string): string {
    const prefix = `rpb-${this.options.runId}-${suffix}`;
    this.prefixes.push(prefix);
    return prefix;
  }

  async pg(url: string): Promise<Client> {
    const client = new Client({ connectionString: url });
    await client.connect();
    this.clients.push(client);
    return client;
  }

  track(child: ServiceProcess): void {
    this.children.add(child);
    child.exited.then(() => this.children.delete(child));
  }

  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    await Promise.all([...this.children].map((child) => child.stop()));
    for (const client of this.clients) await client.end().catch(() => undefined);
    const admin = new Client({ connectionString: `${PG_BASE_URL}/postgres` });
    await admin.connect();
    try {
      for (const name of this.databases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    if (this.prefixes.length) {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
      try {
        for (const prefix of this.prefixes) await deleteKeys(redis, `${prefix}:*`);
      } finally {
        redis.disconnect();
      }
    }
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  // Bounded: a SCAN cursor visits each key a bounded number of times.
  for (let rounds = 0; rounds < 1_000_000; rounds++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') return;
  }
}

// ---------------------------------------------------------------------------------------------
// The service's processes

export interface ServiceProcess {
  role: 'api' | 'worker';
  child: ChildProcess;
  pid: number;
  /** the API's base URL; for the worker, its health/metrics port */
  baseUrl: string;
  output(): string;
  /** error-level log lines (pino level 50 and above) written so far */
  errorLines(): number;
  /** Peak resident memory (VmHWM, MB) seen so far; sampled VmRSS as a fallback. */
  peakRssMb(): number;
  currentRssMb(): number;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface ServiceEnv {
  databaseUrl: string;
  redisPrefix: string;
  /** the API's port: the worker's Daraja base URL and callback URL derive from it */
  apiPort: number;
  extra?: Record<string, string>;
}

function readStatusKb(pid: number, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * V8 flags for the service's processes: the heap limit `npm start` (and the Dockerfile) run it
 * with, unless BENCH_NODE_OPTIONS says otherwise (an empty value runs without flags).
 */
export const SERVICE_NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? startScriptNodeFlags();

function startScriptNodeFlags(): string {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return (scripts.start.match(/--max-old-space-size=\d+/g) ?? []).join(' ');
}

export async function startService(scope: BenchScope, role: 'api' | 'worker', env: ServiceEnv): Promise<ServiceProcess> {
  const ownPort = role === 'api' ? env.apiPort : await freePort();
  const entry = role === 'api' ? 'main' : 'worker';
  const profiling = scope.options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(scope.options.resultsDir, 'profiles')}`, `--cpu-prof-name=${scope.name}-${role}-${Date.now()}.cpuprofile`] : [];
  const args = scope.options.source
    ? ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, `src/${entry}.ts`)]
    : [join(SERVICE_ROOT, `dist/src/${entry}.js`)];
  if (!scope.options.source && !existsSync(args[0])) throw new Error(`${args[0]} is missing: run npm run build first (npm run bench does)`);
  let output = '';
  const child = spawn(process.execPath, [...profiling, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(env.apiPort),
      PROCESS_ROLE: role,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: env.redisPrefix,
      API_KEYS: `admin:${ADMIN_KEY},staff:${STAFF_KEY}`,
      LOG_LEVEL: scope.options.logLevel,
      RATE_LIMIT_PER_MINUTE: '0',
      WORKER_HTTP_PORT: role === 'worker' ? String(ownPort) : '0',
      ...(SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: SERVICE_NODE_OPTIONS } : {}),
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errorLines = 0;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    errorLines += text.match(/"level":(50|60)/g)?.length ?? 0;
    output = (output + text).slice(-64 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid!;
  let sampledPeakKb = 0;
  let hwmKb = 0;
  const sample = () => {
    sampledPeakKb = Math.max(sampledPeakKb, readStatusKb(pid, 'VmRSS') ?? 0);
    hwmKb = Math.max(hwmKb, readStatusKb(pid, 'VmHWM') ?? 0);
  };
  const sampler = setInterval(sample, 100);
  void exited.then(() => clearInterval(sampler));

  const baseUrl = `http://127.0.0.1:${ownPort}`;
  const service: ServiceProcess = {
    role,
    child,
    pid,
    baseUrl,
    output: () => output,
    errorLines: () => errorLines,
    peakRssMb: () => {
      sample();
      return round(Math.max(hwmKb, sampledPeakKb) / 1024, 1);
    },
    currentRssMb: () => round((readStatusKb(pid, 'VmRSS') ?? 0) / 1024, 1),
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  scope.track(service);
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) return true;
        const res = await fetch(`${baseUrl}/health/live`).catch(() => null);
        return res?.ok ?? false;
      },
      `the ${role} process to start`,
      90_000,
      100,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  if (child.exitCode !== null) throw new Error(`the ${role} process exited at start-up:\n${output}`);
  return service;
}

// ---------------------------------------------------------------------------------------------
// CPU time: where each item's cost goes, across every process on the machine that works for it

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime of one process (all its threads), in ms; 0 once it has gone. */
export function processCpuMs(pid: number): number {
  try {
    // The fields after the command name (which is in parentheses and may hold spaces).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Pids of every process whose command name is `name` (Postgres backends come and go). */
function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export type CpuSplit = Record<'api' | 'worker' | 'postgres' | 'redis' | 'benchmark', number> & Record<string, number>;

/**
 * CPU used so far by the API, the worker, every Postgres process, Redis and this benchmark process
 * (the load generator). Postgres backends that exit between two readings take their time with
 * them, so the benchmark reads while its connections are still open.
 */
export function cpuReading(api: ServiceProcess, worker: ServiceProcess, others: Record<string, number> = {}): CpuSplit {
  const own = process.cpuUsage();
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + processCpuMs(pid), 0);
  return {
    api: processCpuMs(api.pid),
    worker: processCpuMs(worker.pid),
    postgres: sum(pidsNamed('postgres')),
    redis: sum(pidsNamed('redis-server')),
    benchmark: (own.user + own.system) / 1000,
    ...Object.fromEntries(Object.entries(others).map(([name, pid]) => [name, processCpuMs(pid)])),
  };
}

/** CPU ms per item between two readings, per process and in all, and what 2 cores could do at that cost. */
export function cpuPerItem(before: CpuSplit, after: CpuSplit, items: number) {
  const perItem = Object.fromEntries(
    (Object.keys(before) as (keyof CpuSplit)[]).map((k) => [k, round((after[k] - before[k]) / items, 2)]),
  ) as CpuSplit;
  const totalMs = round(Object.values(perItem).reduce((a, b) => a + b, 0), 2);
  return { perItemMs: perItem, totalMs, coresBoundPerSecond: round((os.cpus().length * 1000) / totalMs, 1) };
}

/**
 * The Postgres backends serving one database (pg_stat_activity), with their CPU so far: the
 * machine may be shared, and `postgres` in cpuReading counts every Postgres process on it.
 */
export async function databaseBackendsCpu(pg: Client): Promise<Map<number, number>> {
  const { rows } = await pg.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  return new Map(rows.map((r) => [r.pid, processCpuMs(r.pid)]));
}

/** CPU ms per item of the database's own backends between two readings (a backend new since `before` started at 0). */
export function databaseCpuPerItem(before: Map<number, number>, after: Map<number, number>, items: number): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return round(ms / items, 2);
}

export function describeCpu(cpu: ReturnType<typeof cpuPerItem>): string {
  const parts = Object.entries(cpu.perItemMs).map(([k, v]) => `${k} ${v}`);
  return `${cpu.totalMs} ms: ${parts.join(', ')}; all cores busy at that cost: ${cpu.coresBoundPerSecond}/s`;
}

// ---------------------------------------------------------------------------------------------
// Ceilings

export interface PgbenchResult {
  clients: number;
  threads: number;
  seconds: number;
  scale: number;
  tps: number;
  latencyMs: number;
  command: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}

/** `pgbench -N` (no teller/branch updates: one row updated, one read, one inserted per commit). */
export async function pgbench(scope: BenchScope, clients: number, seconds: number, scale: number): Promise<PgbenchResult> {
  const url = new URL(await scope.database('pgbench', false));
  const connection = ['-h', url.hostname.replace(/^\[|\]$/g, ''), '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres')];
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  const db = url.pathname.slice(1);
  await run('pgbench', ['-i', '-q', '-s', String(scale), ...connection, db], env);
  const threads = Math.min(clients, os.cpus().length);
  const args = ['-N', '-c', String(clients), '-j', String(threads), '-T', String(seconds), ...connection, db];
  const out = await run('pgbench', args, env);
  const tps = /tps = ([\d.]+)/.exec(out);
  const latency = /latency average = ([\d.]+) ms/.exec(out);
  if (!tps) throw new Error(`could not read pgbench's tps:\n${out}`);
  return { clients, threads, seconds, scale, tps: round(Number(tps[1]), 1), latencyMs: latency ? Number(latency[1]) : NaN, command: `pgbench ${args.slice(0, 8).join(' ')} <db>` };
}

// ---------------------------------------------------------------------------------------------
// Machine and reporting

export async function machineInfo() {
  const cpus = os.cpus();
  const info: Record<string, unknown> = {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    // The machine may be shared: the load when the benchmark started says how much.
    loadAverage1m: round(os.loadavg()[0], 2),
    serviceNodeOptions: SERVICE_NODE_OPTIONS || '(none)',
  };
  const pg = new Client({ connectionString: `${PG_BASE_URL}/postgres` });
  await pg.connect();
  try {
    info.postgres = (await pg.query('SHOW server_version')).rows[0].server_version;
    for (const setting of ['synchronous_commit', 'fsync', 'shared_buffers', 'max_connections']) {
      info[`pg.${setting}`] = (await pg.query(`SHOW ${setting}`)).rows[0][setting];
    }
  } finally {
    await pg.end();
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    info.redis = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  return info;
}

export type Row = [label: string, value: string | number, note?: string];

export function printTable(title: string, rows: Row[]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => String(value).length));
  console.log(`\n${title}`);
  console.log('-'.repeat(Math.min(100, title.length)));
  for (const [label, value, note] of rows) console.log(`${label.padEnd(width)}  ${String(value).padStart(valueWidth)}${note ? `  ${note}` : ''}`);
}

export function writeResult(options: BenchOptions, name: string, data: unknown): string {
  mkdirSync(options.resultsDir, { recursive: true });
  const file = join(options.resultsDir, `${name}.json`);
  const extra = { loadAverage1mAtEnd: round(os.loadavg()[0], 2), serviceRoot: SERVICE_ROOT };
  writeFileSync(file, `${JSON.stringify({ name, runId: options.runId, at: new Date().toISOString(), smoke: options.smoke, ...extra, ...(data as object) }, null, 2)}\n`);
  return file;
}

/** Runs a benchmark as a script: options from argv, cleanup always, exit code 1 on failure. */
/** `node bench/<name>.ts`: runs that one benchmark and writes its JSON. */
export function runAlone(name: string, run: (options: BenchOptions) => Promise<unknown>): void {
  main(async (options) => {
    const result = await run(options);
    console.log(`\nwrote ${writeResult(options, name, { machine: await machineInfo(), result })}`);
  });
}

/** What a load generator's run of n requests, which took `ms`, looked like. */
export function httpRunSummary(run: { latency: { p50: number; p99: number }; non2xx: number; errors: number }, n: number, ms: number) {
  return { perSecond: round(n / (ms / 1000), 1), seconds: round(ms / 1000, 2), p50Ms: run.latency.p50, p99Ms: run.latency.p99, non2xx: run.non2xx, errors: run.errors };
}

export interface PeakMemory {
  apiPeakMb: number;
  workerPeakMb: number;
}

export function peakMemory(api: ServiceProcess, worker: ServiceProcess): PeakMemory {
  return { apiPeakMb: api.peakRssMb(), workerPeakMb: worker.peakRssMb() };
}

export function peakMemoryRow(memory: PeakMemory): [string, string] {
  return ['peak RSS api / worker', `${memory.apiPeakMb} / ${memory.workerPeakMb} MB`];
}

export function main(run: (options: BenchOptions) => Promise<unknown>): void {
  const { options } = parseOptions();
  run(options).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
