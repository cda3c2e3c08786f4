// Benchmark 3: stats at scale. A million payments over 90 days, bulk-loaded; latency of
// GET /api/payments/stats with and without from/to (answered from the trigger-maintained
// aggregates) against a plain SQL GROUP BY over the same rows, and the two must agree.
import type { Client } from 'pg';
import { BACKFILL_PAYMENT_STATS } from '../src/database/migrations/1763769600000-payment-stats';
import { paymentStatsQuery } from '../src/payments/stats/payment-stats.service';
import {
  ADMIN_KEY,
  BenchOptions,
  BenchScope,
  freePort,
  latencySummary,
  printTable,
  round,
  runAlone,
  startService,
} from './lib/harness';

const DAYS = 90;
const DAY_MS = 86_400_000;

interface Range {
  from: string;
  to: string;
}

export interface StatsBenchResult {
  rows: number;
  days: number;
  load: { mode: 'rebuild' | 'trigger'; seconds: number; rowsPerSecond: number; aggregateSeconds: number };
  requests: number;
  scans: number;
  endpoint: { all: ReturnType<typeof latencySummary>; range: ReturnType<typeof latencySummary> };
  /** The endpoint's own statement sent straight to Postgres: what of its latency is the database's. */
  endpointSql: { all: ReturnType<typeof latencySummary>; range: ReturnType<typeof latencySummary> };
  /** GET /health/live on the same API: what any request costs before it does anything. */
  httpFloor: ReturnType<typeof latencySummary>;
  scan: { all: ReturnType<typeof latencySummary>; range: ReturnType<typeof latencySummary> };
  speedupP95: { all: number; range: number };
  goal: string;
}

/**
 * Loads `rows` payments with created_at spread over the last 90 days: one referral per ten
 * payments, the first payment of each referral pending (the one-pending rule), the rest 80 %
 * completed and 20 % failed. 'rebuild': the stats trigger off during the load and the aggregates
 * rebuilt afterwards with the migration's own GROUP BY; 'trigger': the trigger appends a change per row
 * and one roll-up folds them in.
 */
export async function load(pg: Client, rows: number, mode: 'rebuild' | 'trigger'): Promise<StatsBenchResult['load']> {
  const referrals = Math.max(1, Math.ceil(rows / 10));
  await pg.query(
    `INSERT INTO referrals (patient_name, amount, status, stk_phone_number, created_at)
     SELECT 'bench-stats', 1000, 'pending-payment', '2547' || lpad(i::text, 8, '0'), now() - interval '${DAYS + 1} days'
       FROM generate_series(0, $1::int - 1) AS i`,
    [referrals],
  );
  await pg.query(`CREATE TEMP TABLE bench_referrals AS SELECT row_number() OVER (ORDER BY seq) - 1 AS n, id, stk_phone_number FROM referrals`);
  await pg.query('CREATE INDEX ON bench_referrals (n)');
  await pg.query('ANALYZE bench_referrals');
  const started = performance.now();
  if (mode === 'rebuild') await pg.query('ALTER TABLE payments DISABLE TRIGGER payments_stats_insert_delete');
  await pg.query('SELECT setseed(0.42)');
  await pg.query(
    `INSERT INTO payments (referral_id, phone_number, amount, status, push_state, stk_request_id, mpesa_transaction_id, result_code, created_at, updated_at, completed_at)
     SELECT r.id, r.stk_phone_number, amount, status, 'accepted',
            'ws_CO_STATS_' || i, CASE WHEN status = 'completed' THEN 'RS' || i END,
            CASE status WHEN 'completed' THEN '0' WHEN 'failed' THEN '1032' END,
            created, created, CASE WHEN status = 'completed' THEN created + interval '30 seconds' END
       FROM (SELECT i,
                    CASE WHEN i < $2 THEN 'pending' WHEN i % 5 = 0 THEN 'failed' ELSE 'completed' END AS status,
                    100 + (i % 50) * 100 AS amount,
                    now() - random() * interval '${DAYS} days' AS created
               FROM generate_series(0, $1::int - 1) AS i) g
       JOIN bench_referrals r ON r.n = g.i % $2`,
    [rows, referrals],
  );
  const loadedAt = performance.now();
  if (mode === 'rebuild') {
    // The migration's own GROUP BY, over everything loaded.
    await pg.query('TRUNCATE payment_stats_daily, payment_stats_hourly');
    for (const sql of BACKFILL_PAYMENT_STATS) await pg.query(sql);
    await pg.query('ALTER TABLE payments ENABLE TRIGGER payments_stats_insert_delete');
  } else {
    // The trigger appended a change per row; the scheduled roll-up folds them in every few seconds.
    await pg.query('SELECT payment_stats_roll_up()');
  }
  const done = performance.now();
  await pg.query('VACUUM ANALYZE');
  return {
    mode,
    seconds: round((done - started) / 1000, 2),
    rowsPerSecond: round(rows / ((done - started) / 1000), 0),
    aggregateSeconds: round((done - loadedAt) / 1000, 2),
  };
}

/** Ranges with ragged edges (not on whole hours), so every kind of segment is read. */
export function randomRanges(count: number, now: number): Range[] {
  let seed = 7;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  return Array.from({ length: count }, () => {
    const from = now - DAYS * DAY_MS + random() * 30 * DAY_MS;
    const to = from + (7 + random() * 50) * DAY_MS;
    return { from: new Date(Math.round(from)).toISOString(), to: new Date(Math.round(to)).toISOString() };
  });
}

async function timeScan(pg: Client, range: Range | null): Promise<{ ms: number; rows: { status: string; n: string; amount: string }[] }> {
  const started = performance.now();
  const { rows } = range
    ? await pg.query(`SELECT status, count(*) AS n, sum(amount) AS amount FROM payments WHERE created_at >= $1 AND created_at < $2 GROUP BY status`, [range.from, range.to])
    : await pg.query(`SELECT status, count(*) AS n, sum(amount) AS amount FROM payments GROUP BY status`);
  return { ms: performance.now() - started, rows };
}

type StatsBody = { total: number; pending: number; completed: number; failed: number; totalAmount: number };

/** One GET, timed from sending it to having read its JSON answer; anything but 200 stops the benchmark. */
async function timeGet<T>(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const res = await fetch(url, { headers });
  const body = (await res.json()) as T;
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET ${new URL(url).pathname} answered ${res.status}: ${JSON.stringify(body)}`);
  return { ms, body };
}

async function timeEndpoint(baseUrl: string, range: Range | null): Promise<{ ms: number; body: StatsBody }> {
  const query = range ? `?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}` : '';
  return timeGet<StatsBody>(`${baseUrl}/api/payments/stats${query}`, { 'x-api-key': ADMIN_KEY });
}

async function timeStatement(pg: Client, range: Range | null): Promise<number> {
  const query = paymentStatsQuery(range ? { from: new Date(range.from), to: new Date(range.to) } : {});
  if (!query) throw new Error('an empty range');
  const started = performance.now();
  await pg.query(query.sql, query.params);
  return performance.now() - started;
}

function agree(body: StatsBody, rows: { status: string; n: string; amount: string }[], what: string): void {
  const of = (status: string) => rows.find((r) => r.status === status);
  const expected = {
    total: rows.reduce((sum, r) => sum + Number(r.n), 0),
    pending: Number(of('pending')?.n ?? 0),
    completed: Number(of('completed')?.n ?? 0),
    failed: Number(of('failed')?.n ?? 0),
    totalAmount: Number(of('completed')?.amount ?? 0),
  };
  for (const [key, value] of Object.entries(expected)) {
    if (body[key as keyof StatsBody] !== value) throw new Error(`stats ${what}: ${key} is ${body[key as keyof StatsBody]}, the scan says ${value}`);
  }
}

export async function runStatsBench(options: BenchOptions): Promise<StatsBenchResult> {
  const rows = options.statsRows ?? (options.smoke ? 20_000 : 1_000_000);
  const requests = options.smoke ? 100 : 1000;
  const scans = options.smoke ? 5 : 20;
  const scope = new BenchScope('stats', options);
  try {
    const databaseUrl = await scope.database('stats');
    const pg = await scope.pg(databaseUrl);
    const loaded = await load(pg, rows, options.statsLoad);

    const apiPort = await freePort();
    const api = await startService(scope, 'api', { databaseUrl, redisPrefix: scope.redisPrefix('stats'), apiPort });
    const ranges = randomRanges(requests, Date.now());

    // Both sides agree (the endpoint equals a count over payments), on the whole table and on ranges.
    agree((await timeEndpoint(api.baseUrl, null)).body, (await timeScan(pg, null)).rows, 'without a range');
    for (const range of ranges.slice(0, 3)) agree((await timeEndpoint(api.baseUrl, range)).body, (await timeScan(pg, range)).rows, `${range.from}..${range.to}`);

    // Warm-up, then one request at a time: latency, not throughput.
    for (let i = 0; i < 50; i++) await timeEndpoint(api.baseUrl, i % 2 ? null : ranges[i % ranges.length]);
    const endpointAll: number[] = [];
    const endpointRange: number[] = [];
    for (let i = 0; i < requests; i++) {
      endpointAll.push((await timeEndpoint(api.baseUrl, null)).ms);
      endpointRange.push((await timeEndpoint(api.baseUrl, ranges[i])).ms);
    }
    // The floor for any request to this API: a public route that touches nothing (HTTP, express, Nest, logging).
    const floor: number[] = [];
    for (let i = 0; i < requests; i++) floor.push((await timeGet(`${api.baseUrl}/health/live`)).ms);
    // The same statements the endpoint runs, straight to Postgres: the rest of its time is HTTP and Nest.
    const sqlAll: number[] = [];
    const sqlRange: number[] = [];
    for (let i = 0; i < requests; i++) {
      sqlAll.push(await timeStatement(pg, null));
      sqlRange.push(await timeStatement(pg, ranges[i]));
    }
    const scanAll: number[] = [];
    const scanRange: number[] = [];
    await timeScan(pg, null);
    for (let i = 0; i < scans; i++) {
      scanAll.push((await timeScan(pg, null)).ms);
      scanRange.push((await timeScan(pg, ranges[i])).ms);
    }

    const endpoint = { all: latencySummary(endpointAll), range: latencySummary(endpointRange) };
    const scan = { all: latencySummary(scanAll), range: latencySummary(scanRange) };
    const result: StatsBenchResult = {
      rows,
      days: DAYS,
      load: loaded,
      requests,
      scans,
      endpoint,
      endpointSql: { all: latencySummary(sqlAll), range: latencySummary(sqlRange) },
      httpFloor: latencySummary(floor),
      scan,
      speedupP95: { all: round(scan.all.p95 / endpoint.all.p95, 1), range: round(scan.range.p95 / endpoint.range.p95, 1) },
      goal: 'endpoint p95 < 10 ms and >= 20x faster than the scan',
    };
    const ms = (s: ReturnType<typeof latencySummary>) => `${round(s.p50)} / ${round(s.p95)} / ${round(s.p99)}`;
    const met = (s: ReturnType<typeof latencySummary>, speedup: number) => (s.p95 < 10 && speedup >= 20 ? '(met)' : '(NOT met)');
    printTable(`3. Stats at scale: ${rows} payments over ${DAYS} days (${loaded.mode} load: ${loaded.seconds} s, ${loaded.rowsPerSecond} rows/s)`, [
      ['GET /api/payments/stats, p50 / p95 / p99 ms', ms(endpoint.all), `${requests} requests over HTTP, one at a time`],
      ['GET /api/payments/stats?from&to, p50 / p95 / p99 ms', ms(endpoint.range), 'ranges of 7-57 days with ragged edges'],
      ['GET /health/live (touches nothing), p50 / p95 / p99 ms', ms(result.httpFloor), 'the floor for any request to this API'],
      ["the endpoint's own SQL, p50 / p95 / p99 ms", `${ms(result.endpointSql.all)}; with the range ${ms(result.endpointSql.range)}`, 'straight to Postgres: the rest is HTTP and Nest'],
      ['SQL GROUP BY status, p50 / p95 / p99 ms', ms(scan.all), `${scans} runs, straight to Postgres`],
      ['SQL GROUP BY status with the range, p50 / p95 / p99 ms', ms(scan.range), 'same ranges'],
      ['speed-up at p95, without / with range', `${result.speedupP95.all}x / ${result.speedupP95.range}x`, `goal p95 < 10 ms and >= 20x ${met(endpoint.all, result.speedupP95.all)} ${met(endpoint.range, result.speedupP95.range)}`],
    ]);
    return result;
  } finally {
    await scope.cleanup();
  }
}

if (require.main === module) runAlone('stats', runStatsBench);
