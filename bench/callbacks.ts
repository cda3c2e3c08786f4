// Benchmark 1: callback ingestion. N pending payments (push accepted) receive their success
// callbacks over HTTP at a chosen concurrency, through the whole path: token check, storage, the
// answer, then (asynchronously, in the same API process) the application: payment completed,
// referral paid, history rows. Measured until every payment is APPLIED, and compared with
// `pgbench -N` on the same Postgres with the same number of clients, run first in this benchmark.
import os from 'node:os';
import autocannon from 'autocannon';
import type { Client } from 'pg';
import {
  BenchOptions,
  BenchScope,
  CALLBACK_PATH,
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
  pgbench,
  printTable,
  round,
  Row,
  runAlone,
  ServiceProcess,
  startService,
  waitUntil,
} from './lib/harness';
import { CallbackPeerResult, PeerRun, peersWanted, runPeer, versusPeer } from './lib/peers';
import { benchPhone, seedAcceptedPayments, seedReferrals, successCallbackBody } from './lib/seed';

export interface CallbackBenchResult {
  n: number;
  concurrency: number;
  answered: ReturnType<typeof httpRunSummary>;
  applied: { perSecond: number; seconds: number; lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; lateOver5s: number };
  pgbench: Awaited<ReturnType<typeof pgbench>>;
  ratio: number;
  goal: string;
  memory: PeakMemory;
  /** CPU time per callback, by process, while the run lasted */
  cpu: ReturnType<typeof cpuPerItem>;
  /** the same, with only this database's Postgres backends counted (the machine may be shared) */
  cpuOwnDb: { postgres: number; totalMs: number };
  apiErrorLogLines: number;
  apiErrorSample?: string;
  /** the callback peer (../shared/peers/minimal-callback), same n and connections, right after the service */
  peer: PeerRun<CallbackPeerResult>;
  /** applied/s ÷ the peer's callbacks/s (each of the peer's is applied before it is answered); goal >= 1 */
  vsPeer: number | null;
  load1m: { start: number; end: number };
}

async function fire(api: ServiceProcess, bodies: string[], concurrency: number) {
  let next = 0;
  return autocannon({
    url: api.baseUrl,
    connections: concurrency,
    amount: bodies.length,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: CALLBACK_PATH,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
}

async function completedCount(pg: Client, tag: string): Promise<number> {
  // Statistics taken before the run say nothing is paid; without fresh ones the planner picks a
  // nested loop that takes seconds over 20,000 rows.
  await pg.query('ANALYZE payments, referrals');
  const { rows } = await pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM payments p JOIN referrals r ON r.id = p.referral_id WHERE r.patient_name = $1 AND p.status = 'completed' AND r.status = 'paid'`,
    [tag],
  );
  return Number(rows[0].n);
}

/** Every callback is stored before it is answered: done when none is left waiting to be applied. */
async function waitUntilApplied(pg: Client, what: string, timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM mpesa_callbacks WHERE state = 'received'`)).rows[0].n) === 0,
    what,
    timeoutMs,
    DONE_POLL_MS,
  );
}

/** What another benchmark adds around this one's run (the webhook benchmark subscribes endpoints). */
export interface CallbackBenchHooks {
  /** Label for the table. */
  label?: string;
  /** After the services started, before the warm-up. */
  afterStart?(api: ServiceProcess, pg: Client): Promise<void>;
  /** Other processes whose CPU the run reports, by name (the webhook benchmark's receivers). */
  cpuOf?: Record<string, number>;
  /** After every callback was applied and checked, before the services stop. */
  afterApplied?(api: ServiceProcess, pg: Client, startedAt: number): Promise<void>;
  /** Run the callback peer after the service (default true). */
  peer?: boolean;
}

export async function runCallbackBench(options: BenchOptions, hooks: CallbackBenchHooks = {}): Promise<CallbackBenchResult> {
  const n = options.n ?? (options.smoke ? 300 : 20_000);
  const concurrency = options.concurrency ?? 16;
  const warm = options.smoke ? 50 : 1000;
  const scope = new BenchScope('callbacks', options);
  const loadStart = round(os.loadavg()[0]);
  let result: CallbackBenchResult;
  try {
    // The ceiling first, while nothing else uses Postgres.
    const ceiling = await pgbench(scope, concurrency, options.smoke ? 2 : 10, options.smoke ? 1 : 10);

    const databaseUrl = await scope.database('callbacks');
    const pg = await scope.pg(databaseUrl);
    for (const [tag, count] of [['bench-warm', warm], ['bench-main', n]] as const) {
      await seedReferrals(pg, tag, count);
      // Never queried during the benchmark: only the callbacks settle these payments.
      await seedAcceptedPayments(pg, tag, { checkoutPrefix: `ws_CO_${tag}_`, firstQueryInS: 86_400 });
    }
    await pg.query('VACUUM ANALYZE');

    const apiPort = await freePort();
    const redisPrefix = scope.redisPrefix('callbacks');
    const env = { databaseUrl, redisPrefix, apiPort, extra: { RECONCILE_FIRST_QUERY_S: '3600' } };
    const api = await startService(scope, 'api', env);
    const worker = await startService(scope, 'worker', env);
    await hooks.afterStart?.(api, pg);

    const bodiesOf = (tag: string, count: number) =>
      Array.from({ length: count }, (_, i) => successCallbackBody(`ws_CO_${tag}_${i}`, 1000, benchPhone(i), `${tag === 'bench-warm' ? 'BW' : 'BM'}${i}`));

    // Warm-up (JIT, pools, plans), applied completely before the measured run starts.
    await fire(api, bodiesOf('bench-warm', warm), concurrency);
    await waitUntilApplied(pg, 'the warm-up callbacks to apply', 120_000);
    if ((await completedCount(pg, 'bench-warm')) !== warm) throw new Error('the warm-up callbacks did not complete every payment');

    const bodies = bodiesOf('bench-main', n);
    const dbBefore = await databaseBackendsCpu(pg);
    const cpuBefore = cpuReading(api, worker, hooks.cpuOf);
    const startedAt = Date.now();
    const answered = await fire(api, bodies, concurrency);
    const answeredMs = Date.now() - startedAt;
    await waitUntilApplied(pg, `all ${n} callbacks to be applied`, Math.max(120_000, n * 20));
    const cpu = cpuPerItem(cpuBefore, cpuReading(api, worker, hooks.cpuOf), n);
    const postgresOwnDb = databaseCpuPerItem(dbBefore, await databaseBackendsCpu(pg), n);
    const appliedMs = (await lastPaymentEventAt(pg)) - startedAt;
    if ((await completedCount(pg, 'bench-main')) !== n) throw new Error('not every payment completed and referral paid');
    await hooks.afterApplied?.(api, pg, startedAt);

    // Stored → applied, per callback, as the database saw it.
    // Late ones (over 5 s) were most likely applied by the worker's sweeper, not by the API.
    const { rows: lag } = await pg.query<{ p50: number; p99: number; max: number; late: string }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
              max(ms) AS max, count(*) FILTER (WHERE ms > 5000) AS late
         FROM (SELECT extract(epoch FROM processed_at - received_at) * 1000 AS ms FROM mpesa_callbacks c
                WHERE c.checkout_request_id LIKE 'ws_CO_bench-main_%') t`,
    );
    const { rows: states } = await pg.query<{ state: string; n: string }>(`SELECT state, count(*) AS n FROM mpesa_callbacks GROUP BY state`);
    if (states.some((s) => s.state !== 'applied')) throw new Error(`some callbacks were not applied: ${JSON.stringify(states)}`);

    const appliedPerSecond = round(n / (appliedMs / 1000), 1);
    result = {
      n,
      concurrency,
      answered: httpRunSummary(answered, n, answeredMs),
      applied: { perSecond: appliedPerSecond, seconds: round(appliedMs / 1000, 2), lagP50Ms: round(lag[0].p50, 1), lagP99Ms: round(lag[0].p99, 1), lagMaxMs: round(lag[0].max, 1), lateOver5s: Number(lag[0].late) },
      pgbench: ceiling,
      ratio: round(appliedPerSecond / ceiling.tps, 3),
      goal: '>= 0.5',
      memory: peakMemory(api, worker),
      cpu,
      cpuOwnDb: { postgres: postgresOwnDb, totalMs: round(cpu.totalMs - cpu.perItemMs.postgres + postgresOwnDb) },
      apiErrorLogLines: api.errorLines(),
      peer: { ran: false, reason: 'not run' },
      vsPeer: null,
      load1m: { start: loadStart, end: round(os.loadavg()[0]) },
    };
    if (answered.non2xx || answered.errors) throw new Error(`callbacks refused: ${answered.non2xx} non-2xx, ${answered.errors} errors`);
    if (result.apiErrorLogLines) result.apiErrorSample = api.output().match(/"msg":"[^"]*"/)?.[0] ?? '';
  } finally {
    await scope.cleanup();
  }
  // The peer after the service, never beside it: each would measure the other.
  if (hooks.peer === false) result.peer = { ran: false, reason: 'not asked for in this run' };
  else result.peer = peersWanted() ? await runPeer<CallbackPeerResult>('minimal-callback', n, concurrency) : { ran: false, reason: 'BENCH_PEERS=off' };
  if (result.peer.ran) result.vsPeer = round(result.applied.perSecond / result.peer.result.callbacksPerSec, 3);
  const ceiling = result.pgbench;

  const cpu = result.cpu;
  printTable(`1. Callback ingestion${hooks.label ? ` (${hooks.label})` : ''}: ${n} callbacks, ${concurrency} connections (load ${result.load1m.start} → ${result.load1m.end})`, [
    ['answered (HTTP 200)', `${result.answered.perSecond} /s`, `${result.answered.seconds} s; latency p50 ${result.answered.p50Ms} ms, p99 ${result.answered.p99Ms} ms`],
    ['applied (payment completed, referral paid)', `${result.applied.perSecond} /s`, `${result.applied.seconds} s; stored→applied p50 ${result.applied.lagP50Ms} ms, p99 ${result.applied.lagP99Ms} ms, max ${result.applied.lagMaxMs} ms; ${result.applied.lateOver5s} later than 5 s`],
    [`ceiling: pgbench -N, ${concurrency} clients`, `${ceiling.tps} tps`, `latency avg ${ceiling.latencyMs} ms`],
    ['ratio applied / pgbench', result.ratio, `goal ${result.goal}${result.ratio >= 0.5 ? ' (met)' : ' (NOT met)'}`],
    ['CPU per callback (ms)', cpu.totalMs, describeCpu(cpu)],
    ['  counting only this database\'s backends', result.cpuOwnDb.totalMs, `postgres ${result.cpuOwnDb.postgres} ms instead of ${cpu.perItemMs.postgres} (every Postgres process on the machine)`],
    peakMemoryRow(result.memory),
    ['error lines logged by the api', result.apiErrorLogLines, result.apiErrorSample ?? ''],
    ...callbackPeerRows(result),
  ]);
  return result;
}

function callbackPeerRows(result: CallbackBenchResult): Row[] {
  if (!result.peer.ran) return [['callback peer', 'not run', result.peer.reason]];
  const peer = result.peer.result;
  return [
    ['peer: callbacks applied (one transaction each)', `${peer.callbacksPerSec} /s`, `p50 ${peer.p50ms} ms, p99 ${peer.p99ms} ms; its pgbench -N ${peer.pgbenchN_tps} tps; load ${result.peer.load1m.start} → ${result.peer.load1m.end}`],
    ['applied/s vs the peer', result.vsPeer!, `${versusPeer(result.applied.perSecond, peer.callbacksPerSec, '/s')}; goal >= 1 ${result.vsPeer! >= 1 ? '(met)' : '(NOT met)'}`],
  ];
}

if (require.main === module) runAlone('callbacks', runCallbackBench);
