// Benchmark 2: the push pipeline. N payments requested through the API (POST
// /api/referrals/:id/payments); time until every one has an stkRequestId: API commit and publish,
// BullMQ, the worker's claim, the Daraja call (the simulator, answering at once; the phone is
// scenario 201, so no callback is ever sent), the accepted answer stored. Compared with a BullMQ
// worker that does nothing, on the same Redis, in the same run.
import { ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import type { Client } from 'pg';
import { KEEP_FINISHED, WORKER_OPTIONS } from '../src/queues/queue-catalogue';
import { redisOptionsFromUrl } from '../src/queues/redis-connection';
import {
  BenchOptions,
  BenchScope,
  cpuPerItem,
  cpuReading,
  databaseBackendsCpu,
  databaseCpuPerItem,
  describeCpu,
  DONE_POLL_MS,
  freePort,
  httpRunSummary,
  lastPaymentEventAt,
  PeakMemory,
  peakMemory,
  peakMemoryRow,
  pool,
  printTable,
  REDIS_URL,
  Row,
  ROOT,
  round,
  runAlone,
  ServiceProcess,
  STAFF_KEY,
  startService,
  waitUntil,
} from './lib/harness';
import { peersWanted, PushPeerResult, PeerRun, runPeer, versusPeer } from './lib/peers';
import { seedReferrals } from './lib/seed';

/** The simulator never sends this phone's callback (README, "Faults"). */
const NO_CALLBACK_PHONE = '254700000201';
/** The stk-push queue's worker concurrency (the catalogue's WORKER_OPTIONS). */
const WORKER_CONCURRENCY = WORKER_OPTIONS['stk-push'].concurrency!;

export interface PushBenchResult {
  n: number;
  concurrency: number;
  requests: ReturnType<typeof httpRunSummary>;
  pushes: { perSecond: number; seconds: number };
  bareBullmq: { perSecond: number; seconds: number; workerConcurrency: number };
  ratio: number;
  goal: string;
  memory: PeakMemory;
  /** CPU time per push, by process, while the run lasted */
  cpu: ReturnType<typeof cpuPerItem>;
  /** the same, with only this database's Postgres backends counted (the machine may be shared) */
  cpuOwnDb: { postgres: number; totalMs: number };
  /** the push peer (../shared/peers/minimal-push), same n and connections, right after the service */
  peer: PeerRun<PushPeerResult>;
  /** ours ÷ the peer's: pushes/s (goal >= 1) and CPU per push (goal: <= 5 ms, lower is better) */
  vsPeer: { pushesPerSecond: number | null; cpuPerPush: number | null };
  load1m: { start: number; end: number };
  /** who answered the STK pushes */
  daraja: string;
}

/**
 * BENCH_DARAJA=fake: the pushes go to a bare Daraja in its own process (whose CPU is reported as
 * `daraja`) instead of the simulator in the API process, so the API's CPU is the service's alone.
 */
const FAKE_DARAJA = process.env.BENCH_DARAJA === 'fake';

function startFakeDaraja(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(__dirname, 'lib', 'fake-daraja.ts'), [], { cwd: ROOT, execArgv: ['-r', join(ROOT, 'test/support/ts-register.js')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`the fake Daraja exited ${code}`)));
  });
}

async function request(api: ServiceProcess, referralIds: string[], concurrency: number) {
  let next = 0;
  return autocannon({
    url: api.baseUrl,
    connections: concurrency,
    amount: referralIds.length,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': STAFF_KEY },
        body: '{}',
        setupRequest: (req) => ({ ...req, path: `/api/referrals/${referralIds[next++ % referralIds.length]}/payments` }),
      },
    ],
  });
}

/**
 * Pushes accepted and payments failed, over the whole (private) database: the warm-up's finish
 * before the main run starts. No join: statistics taken before the run know no payments, and a
 * planner working from them can make a join over thousands of rows take seconds.
 */
async function acceptedCount(pg: Client): Promise<{ accepted: number; failed: number }> {
  const { rows } = await pg.query<{ accepted: string; failed: string }>(
    `SELECT count(*) FILTER (WHERE stk_request_id IS NOT NULL) AS accepted, count(*) FILTER (WHERE status = 'failed') AS failed FROM payments`,
  );
  return { accepted: Number(rows[0].accepted), failed: Number(rows[0].failed) };
}

/** The ceiling: n jobs added `concurrency` at a time (as n API requests would), a do-nothing worker. */
async function bareBullmq(scope: BenchScope, n: number, concurrency: number): Promise<{ perSecond: number; seconds: number }> {
  const prefix = scope.redisPrefix('bare');
  const queueName = 'stk-push';
  const child = fork(join(__dirname, 'lib', 'bare-worker.ts'), [], {
    cwd: ROOT,
    execArgv: ['-r', join(ROOT, 'test/support/ts-register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: { ready?: boolean; done?: number }[] = [];
  child.on('message', (m: { ready?: boolean; done?: number }) => messages.push(m));
  const queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL), prefix });
  try {
    child.send({ queue: queueName, prefix, redisUrl: REDIS_URL, n, concurrency: WORKER_CONCURRENCY });
    await waitUntil(async () => messages.some((m) => m.ready), 'the bare worker to start', 60_000);
    const started = performance.now();
    await pool(n, concurrency, (i) =>
      queue.add('send-stk-push', { paymentId: `bench-${i}` }, { jobId: `push-bench-${i}`, attempts: 7, backoff: { type: 'exponential', delay: 2000 }, ...KEEP_FINISHED }).then(() => undefined),
    );
    await waitUntil(async () => messages.some((m) => m.done === n), `the bare worker to finish ${n} jobs`, Math.max(60_000, n * 10), 5);
    const ms = performance.now() - started;
    return { perSecond: round(n / (ms / 1000), 1), seconds: round(ms / 1000, 2) };
  } finally {
    await queue.close();
    child.disconnect();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

export async function runPushBench(options: BenchOptions): Promise<PushBenchResult> {
  const n = options.n ?? (options.smoke ? 300 : 10_000);
  const concurrency = options.concurrency ?? 16;
  const warm = options.smoke ? 50 : 500;
  const scope = new BenchScope('push', options);
  const loadStart = round(os.loadavg()[0]);
  let result: PushBenchResult;
  let fakeDaraja: { child: ChildProcess; port: number } | null = null;
  try {
    const ceiling = await bareBullmq(scope, n, concurrency);

    const databaseUrl = await scope.database('push');
    const pg = await scope.pg(databaseUrl);
    const warmIds = await seedReferrals(pg, 'bench-warm', warm, NO_CALLBACK_PHONE);
    const ids = await seedReferrals(pg, 'bench-main', n, NO_CALLBACK_PHONE);
    await pg.query('VACUUM ANALYZE');

    const apiPort = await freePort();
    fakeDaraja = FAKE_DARAJA ? await startFakeDaraja() : null;
    const extra: Record<string, string> = { RECONCILE_FIRST_QUERY_S: '3600', ...(fakeDaraja ? { MPESA_BASE_URL: `http://127.0.0.1:${fakeDaraja.port}` } : {}) };
    const env = { databaseUrl, redisPrefix: scope.redisPrefix('push'), apiPort, extra };
    const api = await startService(scope, 'api', env);
    const worker = await startService(scope, 'worker', env);
    const others: Record<string, number> = fakeDaraja ? { daraja: fakeDaraja.child.pid! } : {};

    await request(api, warmIds, concurrency);
    await waitUntil(async () => (await acceptedCount(pg)).accepted === warm, 'the warm-up pushes', 120_000);

    const dbBefore = await databaseBackendsCpu(pg);
    const cpuBefore = cpuReading(api, worker, others);
    const startedAt = Date.now();
    const answered = await request(api, ids, concurrency);
    const requestMs = Date.now() - startedAt;
    if (answered.non2xx || answered.errors) throw new Error(`payment requests refused: ${answered.non2xx} non-2xx, ${answered.errors} errors`);
    await waitUntil(
      async () => {
        const counts = await acceptedCount(pg);
        if (counts.failed > 0) throw new Error(`${counts.failed} pushes failed`);
        return counts.accepted === warm + n;
      },
      `all ${n} pushes to be accepted`,
      Math.max(120_000, n * 30),
      DONE_POLL_MS,
    );
    const cpu = cpuPerItem(cpuBefore, cpuReading(api, worker, others), n);
    const postgresOwnDb = databaseCpuPerItem(dbBefore, await databaseBackendsCpu(pg), n);
    const pushMs = (await lastPaymentEventAt(pg)) - startedAt;
    const { failed } = await acceptedCount(pg);
    if (failed > 0) throw new Error(`${failed} pushes failed`);

    const pushesPerSecond = round(n / (pushMs / 1000), 1);
    result = {
      n,
      concurrency,
      requests: httpRunSummary(answered, n, requestMs),
      pushes: { perSecond: pushesPerSecond, seconds: round(pushMs / 1000, 2) },
      bareBullmq: { ...ceiling, workerConcurrency: WORKER_CONCURRENCY },
      ratio: round(pushesPerSecond / ceiling.perSecond, 3),
      goal: '>= 0.5',
      memory: peakMemory(api, worker),
      cpu,
      cpuOwnDb: { postgres: postgresOwnDb, totalMs: round(cpu.totalMs - cpu.perItemMs.postgres + postgresOwnDb) },
      peer: { ran: false, reason: 'not run yet' },
      vsPeer: { pushesPerSecond: null, cpuPerPush: null },
      load1m: { start: loadStart, end: round(os.loadavg()[0]) },
      daraja: fakeDaraja ? 'fake (bench/lib/fake-daraja.ts, its own process)' : 'the simulator, in the API process',
    };
  } finally {
    await scope.cleanup();
    fakeDaraja?.child.kill();
  }
  // The peer after the service, never beside it: each would measure the other.
  result.peer = peersWanted() ? await runPeer<PushPeerResult>('minimal-push', n, concurrency, { WARM: String(warm) }) : { ran: false, reason: 'BENCH_PEERS=off' };
  const peer = result.peer.ran ? result.peer.result : null;
  result.vsPeer = {
    pushesPerSecond: peer ? round(result.pushes.perSecond / peer.pushesPerSec, 3) : null,
    cpuPerPush: peer ? round(result.cpu.totalMs / peer.cpuMsPerPush.total, 3) : null,
  };
  const ceiling = result.bareBullmq;
  const cpu = result.cpu;
  printTable(`2. Push pipeline: ${n} payments requested, ${concurrency} connections, Daraja: ${result.daraja} (load ${result.load1m.start} → ${result.load1m.end})`, [
    ['requests answered (202)', `${result.requests.perSecond} /s`, `${result.requests.seconds} s; latency p50 ${result.requests.p50Ms} ms, p99 ${result.requests.p99Ms} ms`],
    ['pushes accepted (stkRequestId stored)', `${result.pushes.perSecond} /s`, `${result.pushes.seconds} s`],
    [`ceiling: bare BullMQ worker (concurrency ${WORKER_CONCURRENCY})`, `${ceiling.perSecond} /s`, `${ceiling.seconds} s for ${n} jobs added ${concurrency} at a time`],
    ['ratio pushes / bare worker', result.ratio, `goal ${result.goal}${result.ratio >= 0.5 ? ' (met)' : ' (NOT met)'}`],
    ['CPU per push (ms)', cpu.totalMs, describeCpu(cpu)],
    ['  counting only this database\'s backends', result.cpuOwnDb.totalMs, `postgres ${result.cpuOwnDb.postgres} ms instead of ${cpu.perItemMs.postgres} (every Postgres process on the machine)`],
    peakMemoryRow(result.memory),
    ...pushPeerRows(result),
  ]);
  return result;
}

function pushPeerRows(result: PushBenchResult): Row[] {
  if (!result.peer.ran) return [['push peer', 'not run', result.peer.reason]];
  const peer = result.peer.result;
  const load = `load ${result.peer.load1m.start} → ${result.peer.load1m.end}`;
  return [
    ['peer: pushes accepted', `${peer.pushesPerSec} /s`, `requests ${peer.requestsPerSec}/s, p50 ${peer.p50ms} ms, p99 ${peer.p99ms} ms; ${load}`],
    ['peer: CPU per push (ms)', peer.cpuMsPerPush.total, Object.entries(peer.cpuMsPerPush).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v}`).join(', ')],
    ['pushes/s vs the peer', result.vsPeer.pushesPerSecond!, `${versusPeer(result.pushes.perSecond, peer.pushesPerSec, '/s')}; goal >= 1 ${result.vsPeer.pushesPerSecond! >= 1 ? '(met)' : '(NOT met)'}`],
    ['CPU per push vs the peer', result.vsPeer.cpuPerPush!, `${versusPeer(result.cpu.totalMs, peer.cpuMsPerPush.total, 'ms', false)}; goal <= 5 ms ${result.cpu.totalMs <= 5 ? '(met)' : '(NOT met)'}`],
  ];
}

if (require.main === module) runAlone('push', runPushBench);
