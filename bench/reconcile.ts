// Benchmark 4: reconciliation. N pending payments whose pushes Daraja (the simulator) accepted but
// whose callbacks were lost (phone scenario 201); the worker's status-query sweeps must settle
// them all, with the query rate limit lifted (RECONCILE_QUERIES_PER_S=1000, first query at once,
// a round every second). Reported: time until all are resolved, queries per second, and that rate
// against its ceiling: the lower of the configured limit and what the simulator's query endpoint
// answers on its own (autocannon, same run).
import autocannon from 'autocannon';
import type { Client } from 'pg';
import { loadAppConfig } from '../src/config/app-config';
import { buildStkPushBody } from '../src/mpesa/stk-push-body.builder';
import { stkCredentials } from '../src/mpesa/stk-password';
import {
  BenchOptions,
  BenchScope,
  DONE_POLL_MS,
  freePort,
  lastPaymentEventAt,
  peakMemory,
  PeakMemory,
  peakMemoryRow,
  pool,
  printTable,
  round,
  runAlone,
  startService,
  waitUntil,
} from './lib/harness';
import { seedAcceptedPayments, seedReferrals } from './lib/seed';

const NO_CALLBACK_PHONE = '254700000201';
const QUERIES_PER_S = 1000;

export interface ReconcileBenchResult {
  n: number;
  seconds: number;
  resolvedPerSecond: number;
  queries: number;
  queriesPerSecond: number;
  ceiling: { rateLimit: number; simulatorQueriesPerSecond: number; queriesPerSecond: number };
  ratio: number;
  memory: PeakMemory;
}

export async function runReconcileBench(options: BenchOptions): Promise<ReconcileBenchResult> {
  const n = options.n ?? (options.smoke ? 300 : 10_000);
  const scope = new BenchScope('reconcile', options);
  try {
    const databaseUrl = await scope.database('reconcile');
    const pg: Client = await scope.pg(databaseUrl);
    const apiPort = await freePort();
    const env = {
      databaseUrl,
      redisPrefix: scope.redisPrefix('reconcile'),
      apiPort,
      extra: {
        // The customer answers at once, so the first query is already final.
        SIMULATOR_CALLBACK_DELAY_MS: '0',
        RECONCILE_QUERIES_PER_S: String(QUERIES_PER_S),
        RECONCILE_FIRST_QUERY_S: '0',
        RECONCILE_INTERVAL_S: '1',
      },
    };
    const api = await startService(scope, 'api', env);
    const mpesa = loadAppConfig({ PORT: String(apiPort), MPESA_ENV: 'simulator' }).mpesa;
    const simulator = `${api.baseUrl}/simulator`;
    const basic = Buffer.from(`${mpesa.consumerKey}:${mpesa.consumerSecret}`).toString('base64');
    const tokenRes = await fetch(`${simulator}/oauth/v1/generate?grant_type=client_credentials`, { headers: { authorization: `Basic ${basic}` } });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // The pushes happened (the simulator accepted them) and their callbacks were lost.
    const ids = await seedReferrals(pg, 'bench-main', n, NO_CALLBACK_PHONE);
    const checkoutIds: string[] = new Array(n + 1);
    await pool(n + 1, 16, async (i) => {
      const body = buildStkPushBody(mpesa, {
        phoneNumber: NO_CALLBACK_PHONE,
        amount: 1000,
        accountReference: `B${i}`,
        transactionDesc: 'Referral fee',
        callbackUrl: `${api.baseUrl}/api/stk-callback/${mpesa.callbackToken}`,
      });
      const res = await fetch(`${simulator}/mpesa/stkpush/v1/processrequest`, { method: 'POST', headers, body: JSON.stringify(body) });
      const answer = (await res.json()) as { CheckoutRequestID?: string };
      if (!res.ok || !answer.CheckoutRequestID) throw new Error(`simulator push ${i}: ${res.status} ${JSON.stringify(answer)}`);
      checkoutIds[i] = answer.CheckoutRequestID;
    });

    // Ceiling: the simulator's query endpoint alone, for the one spare push.
    const queryBody = JSON.stringify({ BusinessShortCode: mpesa.shortcode, ...stkCredentials(mpesa.shortcode, mpesa.passkey), CheckoutRequestID: checkoutIds[n] });
    const bare = await autocannon({ url: `${simulator}/mpesa/stkpushquery/v1/query`, method: 'POST', headers, body: queryBody, connections: 16, duration: options.smoke ? 1 : 3 });
    if (bare.non2xx || bare.errors) throw new Error(`simulator queries refused: ${bare.non2xx} non-2xx, ${bare.errors} errors`);
    const simulatorQps = round(bare.requests.total / bare.duration, 1);

    const worker = await startService(scope, 'worker', env);
    // The payments appear in one commit, two minutes old: the clock starts now.
    const startedAt = Date.now();
    await seedAcceptedPayments(pg, 'bench-main', { checkoutIds: checkoutIds.slice(0, n), firstQueryInS: -60, ageS: 120 });
    if (ids.length !== n) throw new Error('seeding went wrong');
    await waitUntil(
      async () => {
        const { rows } = await pg.query<{ open: string }>(`SELECT count(*) AS open FROM payments WHERE status = 'pending'`);
        return Number(rows[0].open) === 0;
      },
      `all ${n} payments to be resolved by status queries`,
      Math.max(120_000, n * 30),
      DONE_POLL_MS,
    );
    const ms = (await lastPaymentEventAt(pg)) - startedAt;
    const { rows } = await pg.query<{ queries: string; completed: string }>(
      `SELECT sum(query_count) AS queries, count(*) FILTER (WHERE status = 'completed') AS completed FROM payments`,
    );
    if (Number(rows[0].completed) !== n) throw new Error(`only ${rows[0].completed} of ${n} completed`);
    const queries = Number(rows[0].queries);
    const queriesPerSecond = round(queries / (ms / 1000), 1);
    const ceiling = Math.min(QUERIES_PER_S, simulatorQps);
    const result: ReconcileBenchResult = {
      n,
      seconds: round(ms / 1000, 2),
      resolvedPerSecond: round(n / (ms / 1000), 1),
      queries,
      queriesPerSecond,
      ceiling: { rateLimit: QUERIES_PER_S, simulatorQueriesPerSecond: simulatorQps, queriesPerSecond: ceiling },
      ratio: round(queriesPerSecond / ceiling, 3),
      memory: peakMemory(api, worker),
    };
    printTable(`4. Reconciliation: ${n} pending payments with lost callbacks`, [
      ['time until all resolved', `${result.seconds} s`, `${result.resolvedPerSecond} payments/s`],
      ['status queries', `${queriesPerSecond} /s`, `${queries} queries`],
      ['ceiling: min(rate limit, bare simulator queries)', `${ceiling} /s`, `limit ${QUERIES_PER_S}/s; simulator alone ${simulatorQps}/s at 16 connections`],
      ['ratio queries / ceiling', result.ratio],
      peakMemoryRow(result.memory),
    ]);
    return result;
  } finally {
    await scope.cleanup();
  }
}

if (require.main === module) runAlone('reconcile', runReconcileBench);
