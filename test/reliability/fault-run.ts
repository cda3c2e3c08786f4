// The fault run: hundreds of payments with mixed outcomes through two API and two worker processes
// on a Postgres and a Redis of the run's own, while the simulator's fault modes hit the pushes and
// callbacks, workers are killed with SIGKILL, and Redis and Postgres are restarted. Afterwards
// every payment is checked against the simulator's ground truth (verify.ts), and what the service
// answered while Redis or Postgres was down is reported (outage-probes.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { countPlan, PlannedPayment, planPayments } from './fault-plan';
import { ADMIN_KEY, API_KEYS, call, callUntilDone, STAFF_KEY } from './http-client';
import { OutageProbes, ProbeResult } from './outage-probes';
import { freePort, PrivatePostgres, PrivateRedis } from './private-servers';
import { ServiceProcess } from './service-processes';
import { countStats, GroundTruth, PaymentRow, ReceiptRow, ReferralRow, LedgerSweep, SimulatorLedger, Stats, Verdict, verify } from './verify';

export interface Profile {
  name: string;
  payments: number;
  /** payments started per second */
  ratePerS: number;
  /** PAYMENT_EXPIRY_S of the run */
  expiryS: number;
  /** each cycle: SIGKILL worker 1, restart Redis (empty), restart Redis with its data while pushes wait for answers, SIGKILL worker 2, restart Postgres */
  cycles: number;
  /** how long Redis and Postgres stay down */
  downS: number;
  seed: number;
  /** LEDGER_PULL_INTERVAL_S: the ledger sweep settles the payments whose answer and callback were both lost */
  ledgerPullIntervalS: number;
}

export const PROFILES: Record<'fast' | 'soak', Profile> = {
  fast: { name: 'fast', payments: 500, ratePerS: 10, expiryS: 45, cycles: 1, downS: 5, seed: 8, ledgerPullIntervalS: 60 },
  soak: { name: 'soak', payments: 2000, ratePerS: 10, expiryS: 60, cycles: 3, downS: 8, seed: 88, ledgerPullIntervalS: 60 },
};

/** A request that needs a server which is down must answer 503 within this. */
export const QUICK_MS = 3000;
/** Any other probe must answer within this (a hang, not a busy machine, should fail the run). */
export const NO_HANG_MS = 10_000;
/** Every process must be ready again within this of the server's return. */
export const RECOVERY_LIMIT_MS = 30_000;

const CALLBACK_TOKEN = 'faults-run-callback-token';
/** Referrals kept back for the probes that start a payment: one per API while Redis is down and after. */
const SPARES_PER_REDIS_RESTART = 4;

export interface FaultEvent {
  kind: 'worker-sigkill' | 'redis-restart' | 'redis-restart-with-data' | 'postgres-restart';
  target: string;
  atS: number;
  /** seconds the server was down, or the worker was gone */
  downS: number;
  /** worker kill, Redis restart with data: pushes being sent (all workers) at that moment */
  sendsInFlight?: number;
  /** milliseconds from the server's return until every process answered /health/ready with 200 */
  recoveryMs?: number;
}

export interface RunReport {
  profile: Profile;
  command: string;
  startedAt: string;
  durationS: number;
  plan: ReturnType<typeof countPlan>;
  infrastructure: {
    apiProcesses: number;
    workerProcesses: number;
    workerSigkills: number;
    redisRestarts: number;
    redisRestartsWithData: number;
    postgresRestarts: number;
    events: FaultEvent[];
    /** pushes found half-sent after a worker was killed */
    sendsInterruptedByKill: number;
    /** pushes without an answer, by reason (timeouts of answers that never come, killed workers) */
    indeterminatePushes: Record<string, number>;
    /** the clients' own requests, and how many of them had to be retried (503 or no answer) */
    loadRequests: number;
    loadRequestsRetried: number;
    /** payments not started, 409 RECEIPT_UNDER_REVIEW or the automatic push withheld: a twin's money waits for an admin */
    refusedReceiptUnderReview: number;
  };
  verdict: Verdict;
  probes: ProbeResult[];
  probeFailures: number;
  recoveryFailures: number;
  /** service processes that exited without being told to (a crash) */
  processCrashes: string[];
  totalMismatches: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** push-indeterminate reasons that mean a worker died mid-send (stk-push.sender.ts, payment-sweeper.service.ts). */
const KILL_REASONS = ['a worker stopped while sending the STK push', 'send never finished'];

export async function runFaults(profile: Profile, options: { command: string; log?: (line: string) => void }): Promise<RunReport> {
  const started = Date.now();
  const log = (line: string) => (options.log ?? console.log)(`[faults ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);
  const artifacts = join(__dirname, '..', '..', 'test-artifacts', 'reliability', `${profile.name}-${new Date(started).toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(artifacts, { recursive: true });
  log(`profile ${profile.name}: ${profile.payments} payments at ${profile.ratePerS}/s, ${profile.cycles} fault cycle(s); logs in ${artifacts}`);

  const processes: ServiceProcess[] = [];
  let pg: PrivatePostgres | null = null;
  let redis: PrivateRedis | null = null;
  // Whatever happens (a failed assertion, Ctrl-C), the servers and processes of the run go away.
  const cleanupSync = () => {
    for (const p of processes) p.killNow();
    redis?.destroySync();
    pg?.destroySync();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanupSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', cleanupSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    pg = await PrivatePostgres.create();
    redis = await PrivateRedis.create();
    log(`private Postgres on port ${pg.port} (${pg.dir}), private Redis on port ${redis.port}`);

    const [api1Port, api2Port, w1Port, w2Port] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const api1Url = `http://127.0.0.1:${api1Port}`;
    const api2Url = `http://127.0.0.1:${api2Port}`;
    const databaseUrl = pg.url('referral_payments');
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'rp',
      API_KEYS,
      MPESA_ENV: 'simulator',
      MPESA_CALLBACK_TOKEN: CALLBACK_TOKEN,
      // One simulator for everyone: API 1's, whose memory is the ground truth.
      MPESA_BASE_URL: `${api1Url}/simulator`,
      SIMULATOR_CALLBACK_DELAY_MS: '1000',
      MPESA_TIMEOUT_MS: '3000',
      STK_MAX_ATTEMPTS: '5',
      STK_RETRY_BASE_MS: '300',
      RECONCILE_FIRST_QUERY_S: '2',
      RECONCILE_INTERVAL_S: '1',
      RECONCILE_QUERIES_PER_S: '50',
      PAYMENT_EXPIRY_S: String(profile.expiryS),
      // The ledger sweep on its shortest interval (its scheduler must outlive every Redis restart).
      MPESA_LEDGER_PULL: 'true',
      LEDGER_PULL_INTERVAL_S: String(profile.ledgerPullIntervalS),
      // A Transaction Status Result lost (posted while Postgres was down: Daraja never retries) is asked for again within the run.
      LEDGER_RESULT_WAIT_S: '15',
      // Limits on, but far above the load: the Redis-backed throttle runs, and must let reads
      // through while Redis is down.
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'info',
    };
    const service = (name: string, role: 'api' | 'worker', httpPort: number, callbackBase: string) =>
      new ServiceProcess({ name, role, httpPort, env: { ...env, MPESA_CALLBACK_BASE_URL: callbackBase }, logFile: join(artifacts, `${name}.log`) });
    const api1 = service('api-1', 'api', api1Port, api1Url);
    const api2 = service('api-2', 'api', api2Port, api2Url);
    // Each worker names another API as the callback address: callbacks reach both.
    const worker1 = service('worker-1', 'worker', w1Port, api1Url);
    const worker2 = service('worker-2', 'worker', w2Port, api2Url);
    processes.push(api1, api2, worker1, worker2);
    await api1.start(); // creates the database and migrates it
    await Promise.all([api2.start(), worker1.start(), worker2.start()]);
    log('2 API and 2 worker processes up');

    const sql = async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(text, params)).rows as T[];
      } finally {
        await client.end();
      }
    };

    // ---- the payments ----
    const plan = planPayments(profile.payments + profile.cycles * SPARES_PER_REDIS_RESTART, profile.seed, profile.payments);
    const loadPlan = plan.slice(0, profile.payments);
    const spares = plan.slice(profile.payments);
    const apis = [api1, api2];
    let loadRequests = 0;
    let loadRequestsRetried = 0;
    let refusedReceiptUnderReview = 0;
    const counted = async <T>(baseUrl: string, method: string, path: string, opts: Parameters<typeof call>[3]) => {
      const first = await call<T>(baseUrl, method, path, opts);
      loadRequests++;
      if (first.status !== 0 && first.status !== 429 && first.status < 500) return first;
      loadRequestsRetried++;
      return callUntilDone<T>(baseUrl, method, path, opts);
    };
    const createReferral = async (p: PlannedPayment, baseUrl: string): Promise<string> => {
      const created = await counted<{ id: string }>(baseUrl, 'POST', '/api/referrals', { key: STAFF_KEY, body: { patientName: `Fault Patient ${p.index}`, amount: p.amount } });
      if (created.status !== 201) throw new Error(`create referral ${p.index}: ${created.status} ${JSON.stringify(created.body)}`);
      const approved = await counted(baseUrl, 'PATCH', `/api/referrals/${created.body.id}/status`, { key: ADMIN_KEY, body: { status: 'awaiting-biodata' } });
      if (approved.status !== 200 && approved.status !== 409) throw new Error(`approve referral ${p.index}: ${approved.status} ${JSON.stringify(approved.body)}`);
      return created.body.id;
    };
    const requestPayment = async (p: PlannedPayment, referralId: string, baseUrl: string, timeoutMs?: number) => {
      const moved = await counted<{ status: string }>(baseUrl, 'PATCH', `/api/referrals/${referralId}/status`, {
        key: STAFF_KEY,
        body: { status: 'pending-payment', stkPhoneNumber: p.phone },
        timeoutMs,
      });
      // 409 after a retry: the first attempt committed but its answer was lost. Or, for a twin, a
      // receipt of its phone and amount waits for an admin: no new prompt until it is resolved.
      if (moved.status !== 200 && moved.status !== 409) throw new Error(`pending-payment ${p.index}: ${moved.status} ${JSON.stringify(moved.body)}`);
      if (moved.status === 409 && (moved.body as unknown as { code?: string })?.code === 'RECEIPT_UNDER_REVIEW') refusedReceiptUnderReview++;
      return moved;
    };

    // Spare referrals, waiting in awaiting-biodata, for the probes that start a payment during an outage.
    const spareReferrals: { plan: PlannedPayment; referralId: string }[] = [];
    for (const p of spares) spareReferrals.push({ plan: p, referralId: await createReferral(p, api1Url) });
    const knownReferralId = spareReferrals[0].referralId;

    const probes = new OutageProbes({
      apis: apis.map((a) => ({ name: a.spec.name, baseUrl: a.baseUrl })),
      workers: [worker1, worker2].map((w) => ({ name: w.spec.name, baseUrl: w.baseUrl })),
      knownReferralId,
      callbackPath: `/api/stk-callback/${CALLBACK_TOKEN}`,
      quickMs: QUICK_MS,
      noHangMs: NO_HANG_MS,
      startPayment: async (baseUrl) => {
        const spare = spareReferrals.shift();
        if (!spare) throw new Error('no spare referral left for a probe');
        return requestPayment(spare.plan, spare.referralId, baseUrl, 10_000).then((a) => ({ status: a.status, ms: a.ms, error: a.error }));
      },
    });

    const loadStart = Date.now();
    const loadDurationMs = (profile.payments / profile.ratePerS) * 1000;
    const loadErrors: string[] = [];
    const load = (async () => {
      const inFlight = new Set<Promise<void>>();
      for (const p of loadPlan) {
        const due = loadStart + (p.index / profile.ratePerS) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        while (inFlight.size >= 64) await Promise.race(inFlight);
        const baseUrl = apis[p.index % 2].baseUrl;
        const task: Promise<void> = (async () => {
          try {
            const referralId = await createReferral(p, baseUrl);
            await requestPayment(p, referralId, baseUrl);
          } catch (error) {
            loadErrors.push((error as Error).message);
          }
        })().finally(() => inFlight.delete(task));
        inFlight.add(task);
        if ((p.index + 1) % 100 === 0) log(`${p.index + 1} payments requested`);
      }
      await Promise.all(inFlight);
    })();

    // ---- the faults, spread over the load ----
    const events: FaultEvent[] = [];
    const atS = () => Math.round((Date.now() - loadStart) / 100) / 10;
    const waitUntil = async (fraction: number) => {
      const at = loadStart + fraction * loadDurationMs;
      if (at > Date.now()) await sleep(at - Date.now());
    };
    const allProcesses = [api1, api2, worker1, worker2];
    const waitForRecovery = async (): Promise<number> => {
      const since = Date.now();
      for (;;) {
        const answers = await Promise.all(allProcesses.map((p) => call(p.baseUrl, 'GET', '/health/ready', { key: null, timeoutMs: 2000 })));
        if (answers.every((a) => a.status === 200)) return Date.now() - since;
        if (Date.now() - since > 120_000) return Date.now() - since;
        await sleep(200);
      }
    };
    // A push whose answer the simulator holds (it never comes) and that this worker sent (its
    // callback URL names the worker's API) is one the worker is waiting on right now.
    const heldBy = async (worker: ServiceProcess): Promise<number> => {
      const truth = (await call<{ transactions: { scenario: string; receivedAt: string; callbackUrl: string }[] }>(api1Url, 'GET', '/simulator/transactions', { key: null })).body;
      const callbackBase = worker.spec.env.MPESA_CALLBACK_BASE_URL;
      return (truth?.transactions ?? []).filter(
        (t) => t.scenario.includes('answer-never-sent') && t.callbackUrl.startsWith(callbackBase) && Date.now() - Date.parse(t.receivedAt) < 2000,
      ).length;
    };
    const killWorker = async (worker: ServiceProcess) => {
      // Aim the kill at a moment when the worker is mid-send (waiting at most a few seconds for one).
      const aimUntil = Date.now() + 8000;
      while (Date.now() < aimUntil && (await heldBy(worker)) === 0) await sleep(250);
      const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM payments WHERE push_state = 'sending'`);
      const at = atS();
      const gone = Date.now();
      await worker.stop('SIGKILL');
      log(`SIGKILL ${worker.spec.name} (${n} pushes being sent)`);
      await sleep(500);
      await worker.start();
      const event: FaultEvent = { kind: 'worker-sigkill', target: worker.spec.name, atS: at, downS: Math.round((Date.now() - gone) / 100) / 10, sendsInFlight: n };
      events.push(event);
      log(`${worker.spec.name} restarted after ${event.downS} s`);
    };
    const restartRedis = async () => {
      const at = atS();
      const down = Date.now();
      await redis!.stop();
      log('Redis stopped');
      await sleep(1000); // let every connection notice
      await probes.whileDown('redis');
      const left = down + profile.downS * 1000 - Date.now();
      if (left > 0) await sleep(left);
      await redis!.start();
      const downS = Math.round((Date.now() - down) / 100) / 10;
      const recoveryMs = await waitForRecovery();
      log(`Redis back after ${downS} s (empty: it keeps no data); every process ready ${recoveryMs} ms later`);
      await probes.afterRecovery('redis');
      events.push({ kind: 'redis-restart', target: 'redis', atS: at, downS, recoveryMs });
    };
    // Redis back with every key (a replica promoted, or a restart with persistence) while pushes wait
    // for Daraja's answer: BullMQ may run a stalled push job again while its first run still waits;
    // an answer Daraja gave must be stored all the same, and no customer prompted twice.
    const restartRedisKeepingData = async () => {
      const aimUntil = Date.now() + 8000;
      while (Date.now() < aimUntil && (await heldBy(worker1)) + (await heldBy(worker2)) === 0) await sleep(250);
      const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM payments WHERE push_state = 'sending'`);
      const at = atS();
      const down = Date.now();
      await redis!.stop({ keepData: true });
      log(`Redis stopped with its data saved (${n} pushes being sent)`);
      const left = down + profile.downS * 1000 - Date.now();
      if (left > 0) await sleep(left);
      await redis!.start();
      const downS = Math.round((Date.now() - down) / 100) / 10;
      const recoveryMs = await waitForRecovery();
      log(`Redis back with its data after ${downS} s; every process ready ${recoveryMs} ms later`);
      events.push({ kind: 'redis-restart-with-data', target: 'redis', atS: at, downS, recoveryMs, sendsInFlight: n });
    };
    const restartPostgres = async () => {
      const at = atS();
      const down = Date.now();
      await pg!.stop('fast');
      log('Postgres stopped');
      await sleep(1000);
      await probes.whileDown('postgres');
      const left = down + profile.downS * 1000 - Date.now();
      if (left > 0) await sleep(left);
      await pg!.start();
      const downS = Math.round((Date.now() - down) / 100) / 10;
      const recoveryMs = await waitForRecovery();
      log(`Postgres back after ${downS} s; every process ready ${recoveryMs} ms later`);
      await probes.afterRecovery('postgres');
      events.push({ kind: 'postgres-restart', target: 'postgres', atS: at, downS, recoveryMs });
    };
    for (let cycle = 0; cycle < profile.cycles; cycle++) {
      const at = (f: number) => (cycle + f) / profile.cycles;
      await waitUntil(at(0.15));
      await killWorker(worker1);
      await waitUntil(at(0.35));
      await restartRedis();
      await waitUntil(at(0.45));
      await restartRedisKeepingData();
      await waitUntil(at(0.55));
      await killWorker(worker2);
      await waitUntil(at(0.75));
      await restartPostgres();
    }
    await load;
    if (loadErrors.length > 0) throw new Error(`${loadErrors.length} payments could not be requested; first: ${loadErrors[0]}`);
    log(`all ${plan.length - spareReferrals.length} payments requested; waiting for every one to settle or expire`);

    // ---- settle: nothing pending, nothing the simulator still processes ----
    const [{ last }] = await sql<{ last: Date }>('SELECT max(created_at) AS last FROM payments');
    const deadline = new Date(last).getTime() + (profile.expiryS + 150) * 1000;
    let lastReport = 0;
    for (;;) {
      const [{ pending }] = await sql<{ pending: number }>(`SELECT count(*)::int AS pending FROM payments WHERE status = 'pending'`);
      const truth = (await call<GroundTruth>(api1Url, 'GET', '/simulator/transactions', { key: null, timeoutMs: 30_000 })).body;
      const processing = truth?.transactions?.filter((t) => t.status === 'processing').length ?? -1;
      if (pending === 0 && processing === 0) break;
      if (Date.now() > deadline) {
        log(`gave up waiting: ${pending} pending, ${processing} still processing in the simulator`);
        break;
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`${pending} payments pending, ${processing} transactions processing in the simulator`);
      }
      await sleep(2000);
    }
    // Callbacks that came after the last payments expired (late money): stored and applied, or set aside.
    const callbacksDeadline = Date.now() + 30_000;
    for (let quiet = 0; quiet < 2 && Date.now() < callbacksDeadline; ) {
      const [{ open }] = await sql<{ open: number }>(`SELECT count(*)::int AS open FROM mpesa_callbacks WHERE state = 'received'`);
      quiet = open === 0 ? quiet + 1 : 0;
      await sleep(1000);
    }
    // Past the expiry of the last payment too, so "none pending past expiry" is a real question.
    const pastExpiry = new Date(last).getTime() + profile.expiryS * 1000 + 3000 - Date.now();
    if (pastExpiry > 0) {
      log(`waiting ${Math.ceil(pastExpiry / 1000)} s more, until the last payment is past its expiry`);
      await sleep(pastExpiry);
    }

    // Late money waits for Transaction Status before it corrects a payment (or completes one matched
    // by phone and amount): wait until no verification is open, and its callbacks are judged again.
    const verifyDeadline = Date.now() + 60_000;
    for (let quiet = 0; quiet < 2; ) {
      const [{ open }] = await sql<{ open: number }>(
        `SELECT (SELECT count(*) FROM ledger_requests WHERE purpose = 'verify' AND state IN ('queued', 'sending', 'sent'))::int
              -- A Result of an ask whose acknowledgement was lost (asked again under new ids) matches no request: not waited for.
              + (SELECT count(*) FROM mpesa_results m WHERE m.state = 'received'
                   AND EXISTS (SELECT 1 FROM ledger_requests r WHERE r.kind = m.kind AND (r.conversation_id = m.conversation_id OR r.originator_conversation_id = m.originator_conversation_id)))::int AS open`,
      );
      quiet = open === 0 ? quiet + 1 : 0;
      if (Date.now() > verifyDeadline) {
        log(`gave up waiting for Transaction Status: ${open} verification(s) or Result(s) still open`);
        break;
      }
      await sleep(1000);
    }
    const verifications = await sql<{ status: string; n: number }>(
      `SELECT coalesce(verification->>'status', 'none') AS status, count(*)::int AS n FROM receipts WHERE verification IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    log(`receipts verified by Transaction Status: ${verifications.map((v) => `${v.n} ${v.status}`).join(', ') || 'none'}`);

    // The ledger sweep must have read every payment M-Pesa completed: wait for a sweep whose window
    // ends after the last one (a sweep runs every LEDGER_PULL_INTERVAL_S; a few intervals at most).
    const ledgerEnd = Math.max(0, ...((await call<SimulatorLedger>(api1Url, 'GET', '/simulator/ledger', { key: null, timeoutMs: 30_000 })).body?.entries ?? []).map((e) => Date.parse(e.completedAt)));
    const ledgerDeadline = Date.now() + 3 * profile.ledgerPullIntervalS * 1000;
    for (;;) {
      const [{ swept }] = await sql<{ swept: Date | null }>(`SELECT max(window_to) AS swept FROM ledger_pull_runs WHERE outcome IN ('rows', 'no-data')`);
      if (swept && new Date(swept).getTime() > ledgerEnd) break;
      if (Date.now() > ledgerDeadline) {
        log(`gave up waiting for the ledger sweep: swept until ${swept ? new Date(swept).toISOString() : 'never'}, the ledger's last payment at ${new Date(ledgerEnd).toISOString()}`);
        break;
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`waiting for a ledger sweep past ${new Date(ledgerEnd).toISOString()} (swept until ${swept ? new Date(swept).toISOString() : 'never'})`);
      }
      await sleep(1000);
    }

    // ---- verify ----
    const payments = (
      await sql<PaymentRow & { ageS: string }>(
        `SELECT id, referral_id AS "referralId", phone_number AS "phoneNumber", amount, status, stk_request_id AS "stkRequestId", account_reference AS "accountReference",
                mpesa_transaction_id AS "mpesaTransactionId", error_message AS "errorMessage", created_at AS "createdAt",
                extract(epoch FROM now() - created_at) AS "ageS",
                EXISTS (SELECT 1 FROM payment_events e WHERE e.payment_id = payments.id AND e.type IN ('receipt-attached', 'status-corrected') AND e.detail->>'via' = 'ledger-pull') AS "settledByLedger"
           FROM payments`,
      )
    ).map((p) => ({ ...p, ageS: Number(p.ageS) }));
    const referrals = await sql<ReferralRow>(
      `SELECT r.id, r.status, r.stk_sent_count AS "stkSentCount",
              EXISTS (SELECT 1 FROM payments p WHERE p.referral_id = r.id AND p.status = 'completed') AS "hasCompletedPayment"
         FROM referrals r`,
    );
    const truth = (await call<GroundTruth>(api1Url, 'GET', '/simulator/transactions', { key: null, timeoutMs: 30_000 })).body;
    const receipts = await sql<ReceiptRow>(`SELECT receipt, state, payment_id AS "paymentId", source FROM receipts`);
    const ledger = {
      entries: (await call<SimulatorLedger>(api1Url, 'GET', '/simulator/ledger', { key: null, timeoutMs: 30_000 })).body?.entries ?? [],
      sweeps: await sql<LedgerSweep>(`SELECT window_from AS "windowFrom", window_to AS "windowTo" FROM ledger_pull_runs WHERE outcome IN ('rows', 'no-data') ORDER BY at`),
    };
    // Entering pending-payment while such a receipt waits sends no push (the referral moves, no payment starts).
    const [{ withheld }] = await sql<{ withheld: number }>(`SELECT count(*)::int AS withheld FROM receipt_events WHERE type = 'payment-withheld'`);
    const from = new Date(started - 60_000);
    from.setUTCSeconds(0, 0);
    from.setUTCMinutes(from.getUTCMinutes() - 7); // a range starting inside an hour
    const to = new Date(Date.now() + 3_600_000);
    const stats: { label: string; answered: Stats; counted: Stats }[] = [];
    for (const api of apis) {
      const whole = await call<Stats>(api.baseUrl, 'GET', '/api/payments/stats', { key: ADMIN_KEY });
      stats.push({ label: `${api.spec.name} all`, answered: whole.body, counted: countStats(payments) });
      const ranged = await call<Stats>(api.baseUrl, 'GET', `/api/payments/stats?from=${from.toISOString()}&to=${to.toISOString()}`, { key: ADMIN_KEY });
      const inRange = payments.filter((p) => new Date(p.createdAt) >= from && new Date(p.createdAt) < to);
      stats.push({ label: `${api.spec.name} ${from.toISOString()}..${to.toISOString()}`, answered: ranged.body, counted: countStats(inRange) });
    }
    const verdict = verify({ payments, referrals, truth, receipts, expiryS: profile.expiryS, stats, ledger });
    const indeterminate = await sql<{ reason: string; n: number }>(
      `SELECT detail->>'reason' AS reason, count(*)::int AS n FROM payment_events WHERE type = 'push-indeterminate' GROUP BY 1 ORDER BY 2 DESC`,
    );
    // Found half-sent after a kill: by the job's next run, or by the sweeper when the job itself was lost.
    const interrupted = indeterminate.filter((r) => KILL_REASONS.includes(r.reason)).reduce((n, r) => n + r.n, 0);

    const probeResults = probes.results;
    const probeFailures = probeResults.filter((r) => !r.ok).length;
    const recoveryFailures = events.filter((e) => e.recoveryMs !== undefined && e.recoveryMs > RECOVERY_LIMIT_MS).length;
    const processCrashes = processes.flatMap((p) => p.crashes);
    const totalMismatches = Object.values(verdict.mismatches).reduce((a, b) => a + b, 0) + probeFailures + recoveryFailures + processCrashes.length;
    const report: RunReport = {
      profile,
      command: options.command,
      startedAt: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      plan: countPlan(plan.slice(0, plan.length - spareReferrals.length)),
      infrastructure: {
        apiProcesses: 2,
        workerProcesses: 2,
        workerSigkills: events.filter((e) => e.kind === 'worker-sigkill').length,
        redisRestarts: events.filter((e) => e.kind === 'redis-restart').length,
        redisRestartsWithData: events.filter((e) => e.kind === 'redis-restart-with-data').length,
        postgresRestarts: events.filter((e) => e.kind === 'postgres-restart').length,
        events,
        sendsInterruptedByKill: interrupted,
        indeterminatePushes: Object.fromEntries(indeterminate.map((r) => [r.reason, r.n])),
        loadRequests,
        loadRequestsRetried,
        refusedReceiptUnderReview: refusedReceiptUnderReview + withheld,
      },
      verdict,
      probes: probeResults,
      probeFailures,
      recoveryFailures,
      processCrashes,
      totalMismatches,
    };
    writeFileSync(join(artifacts, 'report.json'), JSON.stringify(report, null, 2));
    return report;
  } finally {
    for (const p of processes) await Promise.race([p.stop('SIGTERM'), sleep(15_000)]);
    for (const p of processes) {
      p.killNow();
      p.closeLog();
    }
    await redis?.stop().catch(() => undefined);
    cleanupSync();
    process.removeListener('exit', cleanupSync);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** The report as the run prints it: every count, and every mismatch count (all must be 0). */
export function formatReport(r: RunReport): string {
  const lines: string[] = [];
  const row = (label: string, value: unknown) => lines.push(`  ${label.padEnd(58, '.')} ${String(value)}`);
  lines.push(`Fault run "${r.profile.name}" (seed ${r.profile.seed}), ${r.durationS} s: ${r.command}`);
  lines.push('Payments and injected faults:');
  row('payments run', r.plan.payments);
  row('pushes first refused with spike arrest (payments)', `${r.plan.spikeArrestFirst} (${r.verdict.observed.spikeArrestRefusals} refusals)`);
  row('callbacks lost (never sent)', r.plan.callbackLost);
  row('callbacks doubled', `${r.plan.callbackDoubled} (${r.verdict.observed.doubledCallbacks} sent twice)`);
  row('callbacks before the push answer', r.plan.callbackBeforeAnswer);
  row('push answers never coming', r.plan.answerLost);
  row('status query says cancelled though paid; callback late', r.plan.querySaysCancelled);
  row('success callback after the payment expired', r.plan.callbackAfterExpiry);
  row('push answer and callback both lost (only the ledger knows)', r.plan.answerAndCallbackLost);
  row('referrals sharing phone and amount with another (twins)', r.plan.twins);
  row('customers declining (insufficient funds, cancel, ...)', r.plan.customerDeclines);
  row('API / worker processes', `${r.infrastructure.apiProcesses} / ${r.infrastructure.workerProcesses}`);
  row('worker SIGKILLs (each restarted)', r.infrastructure.workerSigkills);
  row('  sends interrupted mid-request by a kill', r.infrastructure.sendsInterruptedByKill);
  row('Redis restarts (data lost)', r.infrastructure.redisRestarts);
  row('Redis restarts (data kept, pushes waiting for answers)', r.infrastructure.redisRestartsWithData);
  row('Postgres restarts', r.infrastructure.postgresRestarts);
  for (const e of r.infrastructure.events) {
    row(`  ${e.kind} ${e.target} at ${e.atS} s`, `down ${e.downS} s${e.recoveryMs !== undefined ? `, all ready ${e.recoveryMs} ms after` : ''}${e.sendsInFlight !== undefined ? `, ${e.sendsInFlight} sends in flight` : ''}`);
  }
  row('client requests (retried after 503/timeout)', `${r.infrastructure.loadRequests} (${r.infrastructure.loadRequestsRetried})`);
  row('payments not started: a receipt of that phone and amount under review', r.infrastructure.refusedReceiptUnderReview);
  lines.push('Outcomes:');
  const o = r.verdict.observed;
  row('completed / failed / pending', `${o.completed} / ${o.failed} / ${o.pending}`);
  row('prompted (push accepted by the simulator)', o.prompted);
  row('expired (failed)', `${o.expired} ${JSON.stringify(o.expiredBecause)}`);
  row('pushes without an answer, by reason', JSON.stringify(r.infrastructure.indeterminatePushes));
  row('ledger sweeps (Pull Transactions) that read the ledger', o.ledgerSwept);
  row('completed through the ledger (of them answer and callback lost)', `${o.settledByLedger} (${o.settledByLedgerAnswerAndCallbackLost})`);
  row('paid but unlearnable (nothing told the service, ledger unread)', o.unlearnable);
  row('callbacks sent / not accepted (server down)', `${o.callbacksSent} / ${o.callbacksNotAccepted}`);
  row('status queries answered by the simulator', o.statusQueries);
  row('paid, matched to no payment (twins): receipt unmatched', o.paidButUnmatched);
  row('receipts listed for an admin, by state', JSON.stringify(o.receiptsToReview));
  lines.push(`Outage probes (the expected status; a 503 within ${QUICK_MS} ms, anything else within ${NO_HANG_MS} ms):`);
  for (const p of r.probes) {
    row(`  ${p.ok ? 'ok  ' : 'FAIL'} ${p.phase} ${p.server}: ${p.process} ${p.name}`, `${p.status} in ${p.ms} ms (expected ${p.expected.join('|')})`);
  }
  lines.push('Mismatches (every one must be 0):');
  for (const [k, v] of Object.entries(r.verdict.mismatches)) row(k, v);
  row('probeFailures', r.probeFailures);
  row('recoveryFailures', r.recoveryFailures);
  row('processCrashes', r.processCrashes.length);
  for (const crash of r.processCrashes) lines.push(`  ${crash}`);
  row('TOTAL MISMATCHES', r.totalMismatches);
  for (const [k, v] of Object.entries(r.verdict.examples)) lines.push(`  e.g. ${k}: ${JSON.stringify(v).slice(0, 1500)}`);
  return lines.join('\n');
}
