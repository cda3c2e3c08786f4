// Benchmark 6: outbound webhooks. The callback benchmark twice in one run: without webhook
// endpoints, then with two endpoints subscribed to payment.completed (two local receivers that
// answer 200 at once). Reports the cost added to the callback path (applied/s with ÷ without;
// goal: it loses less than 10 %), events delivered per second, and delivery lag (the event's
// createdAt to its arrival at the receiver) p50 / p99. The receivers run in a child process of
// their own (bench/lib/webhook-receivers.ts), their CPU reported as `receivers`.
import type { Client } from 'pg';
import { CallbackBenchResult, runCallbackBench } from './callbacks';
import { ADMIN_KEY, BenchOptions, describeCpu, printTable, round, runAlone, ServiceProcess, waitUntil } from './lib/harness';
import { HOLD_AT_MOST_MS } from '../src/webhooks/delivery-pacer';
import { startReceivers } from './lib/webhook-receivers';

export interface WebhookBenchResult {
  n: number;
  without: CallbackBenchResult;
  with: CallbackBenchResult;
  /** applied/s with two endpoints ÷ without */
  ratio: number;
  goal: string;
  delivered: {
    events: number;
    /** 2 n ÷ the time from the measured run's start until every delivery succeeded. */
    perSecond: number;
    /** Deliveries attempted since the measured run's start ÷ the time from the first to the last of those attempts. */
    drainPerSecond: number;
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
    failedAttempts: number;
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runWebhookBench(options: BenchOptions): Promise<WebhookBenchResult> {
  const n = options.n ?? (options.smoke ? 200 : 10_000);
  /** The callback benchmark's own warm-up size. */
  const warmUp = options.smoke ? 50 : 1000;
  const without = await runCallbackBench({ ...options, n }, { label: 'no webhook endpoint', peer: false });
  const receivers = await startReceivers(2);
  let delivered: WebhookBenchResult['delivered'] | null = null;
  try {
    const withEndpoints = await runCallbackBench(
      { ...options, n },
      {
        label: 'two webhook endpoints subscribed',
        peer: false,
        cpuOf: { receivers: receivers.pid },
        afterStart: async (api: ServiceProcess) => {
          for (const url of receivers.urls) {
            const res = await fetch(`${api.baseUrl}/api/webhooks`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'X-API-Key': ADMIN_KEY },
              body: JSON.stringify({ url, events: ['payment.completed'], description: 'benchmark receiver' }),
            });
            if (res.status !== 201) throw new Error(`creating a webhook endpoint answered ${res.status}: ${await res.text()}`);
          }
        },
        afterApplied: async (_api: ServiceProcess, pg: Client, startedAt: number) => {
          // The warm-up's completions are delivered too (and mostly before the measured run starts).
          const expected = 2 * (n + warmUp);
          await waitUntil(
            async () => {
              const { rows } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'`);
              return Number(rows[0].n) >= expected;
            },
            `${expected} webhook deliveries to succeed`,
            Math.max(120_000, n * 60),
            500,
          );
          const seconds = (Date.now() - startedAt) / 1000;
          const { rows } = await pg.query<{ failed: string }>(
            `SELECT coalesce(sum(jsonb_array_length(attempts)), 0) - count(*) AS failed FROM webhook_deliveries`,
          );
          // First attempts made after the measured run started (the warm-up's held ones included).
          const { rows: drain } = await pg.query<{ n: string; first: Date | null; last: Date | null }>(
            `SELECT count(*) AS n, min(a.at) AS first, max(a.at) AS last
               FROM webhook_deliveries d, LATERAL (SELECT (d.attempts->0->>'at')::timestamptz AS at) a
              WHERE a.at >= $1`,
            [new Date(startedAt)],
          );
          const drainSeconds = drain[0].first && drain[0].last ? (drain[0].last.getTime() - drain[0].first.getTime()) / 1000 : 0;
          const lags = await receivers.arrivals();
          delivered = {
            events: expected,
            perSecond: round((2 * n) / seconds, 1),
            drainPerSecond: drainSeconds > 0 ? round(Number(drain[0].n) / drainSeconds, 1) : 0,
            lagP50Ms: round(percentile(lags, 50), 1),
            lagP99Ms: round(percentile(lags, 99), 1),
            lagMaxMs: round(lags.reduce((max, lag) => Math.max(max, lag), 0), 1),
            failedAttempts: Number(rows[0].failed),
          };
        },
      },
    );
    if (!delivered) throw new Error('the deliveries were not measured');
    const ratio = round(withEndpoints.applied.perSecond / without.applied.perSecond, 3);
    const result: WebhookBenchResult = { n, without, with: withEndpoints, ratio, goal: '>= 0.9', delivered };
    const d = delivered as WebhookBenchResult['delivered'];
    printTable(`6. Webhooks: ${n} payment completions, two endpoints subscribed`, [
      ['callbacks applied/s without endpoints', `${without.applied.perSecond} /s`, `CPU per callback ${describeCpu(without.cpu)}`],
      ['callbacks applied/s with two endpoints', `${withEndpoints.applied.perSecond} /s`, `CPU per callback ${describeCpu(withEndpoints.cpu)}`],
      ['ratio with / without', ratio, `goal ${result.goal}${ratio >= 0.9 ? ' (met)' : ' (NOT met)'}`],
      ['events delivered', `${d.perSecond} /s`, `${d.events} deliveries; ${d.failedAttempts} failed attempts; drained at ${d.drainPerSecond} /s once sent`],
      ['delivery lag (event createdAt → receiver)', `p50 ${d.lagP50Ms} ms`, `p99 ${d.lagP99Ms} ms, max ${d.lagMaxMs} ms (held back at most ${HOLD_AT_MOST_MS} ms while callbacks are busy)`],
    ]);
    return result;
  } finally {
    await receivers.close();
  }
}

if (require.main === module) runAlone('webhooks', runWebhookBench);
