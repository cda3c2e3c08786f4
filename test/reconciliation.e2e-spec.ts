// Reconciliation through the real worker, Postgres, Redis and the Daraja simulator over HTTP: the
// status query settles what callbacks did not, never overrides a final payment, expires what
// nothing settles, and several workers never query one payment twice in a round.
import type { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import Redis from 'ioredis';
import { WorkerModule } from '../src/app/worker.module';
import { loadAppConfig } from '../src/config/app-config';
import { RateLimiter, RedisSlotStore } from '../src/common/rate-limit';
import { DarajaClient } from '../src/mpesa/daraja.client';
import { queryBackoffMs } from '../src/payments/processors/reconcile-schedule';
import { ReconcileReport, ReconciliationService } from '../src/payments/processors/reconciliation.service';
import { PushDispatcher } from '../src/payments/push-dispatcher.service';
import { QUEUES, stkPushJobId } from '../src/queues/queue-catalogue';
import { DEV_CALLBACK_PATH, successCallback } from './support/callbacks';
import { PaymentBody, paymentFlow } from './support/payment-flow';
import { ADMIN_KEY, freePort, STAFF_KEY, startTestApp, TestApp } from './support/test-app';
import { testRedisPrefix } from './support/test-database';
import { TEST_REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait-for';

const SIM = (code: string) => `254700000${code}`;

interface EventBody {
  at: string;
  type: string;
  fromStatus: string | null;
  toStatus: string | null;
  source: string;
  detail: Record<string, unknown>;
}
type PaymentWithEvents = Omit<PaymentBody, 'events'> & { createdAt: string; events: EventBody[] };

/** Events that record one status query's answer (processing, error, or the final one that settled it). */
const queryEvents = (p: PaymentWithEvents) => p.events.filter((e) => e.source === 'reconciliation' && typeof e.detail.queryNumber === 'number');

/** Settings every app here shares: a round a second, the first query a second after the push. */
const FAST = {
  RECONCILE_FIRST_QUERY_S: '1',
  RECONCILE_INTERVAL_S: '1',
  STK_RETRY_BASE_MS: '100',
  MPESA_TIMEOUT_MS: '1500',
};

/** A callback base URL nothing listens on: every callback the simulator sends is lost. */
async function lostCallbacks(): Promise<Record<string, string>> {
  return { MPESA_CALLBACK_BASE_URL: `http://127.0.0.1:${await freePort()}` };
}

async function dbRow(t: TestApp, id: string): Promise<{ status: string; query_count: number; push_state: string; next_query_at: Date | null; attempts: number }> {
  const [row] = await t.dataSource.query('SELECT status, query_count, push_state, next_query_at, attempts FROM payments WHERE id = $1', [id]);
  return row;
}

async function acceptedPayment(flow: ReturnType<typeof paymentFlow>, referralId: string): Promise<PaymentWithEvents> {
  const payment = await flow.onlyPayment(referralId);
  return waitFor(async () => {
    const p = (await flow.payment(payment.id)) as PaymentWithEvents;
    return p.stkRequestId ? p : null;
  }, 'the push to be accepted');
}

describe('Reconciliation', () => {
  describe('lost callbacks, resolved by the status query', () => {
    let t: TestApp;
    let flow: ReturnType<typeof paymentFlow>;

    beforeAll(async () => {
      t = await startTestApp({ role: 'all', env: { ...FAST, RECONCILE_FIRST_QUERY_S: '2', SIMULATOR_CALLBACK_DELAY_MS: '200' } });
      flow = paymentFlow(t);
    });
    afterAll(() => t.close());

    it('completes a paid payment whose callback never came (201), without a receipt', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('201'));
      const done = (await flow.finalPayment((await flow.onlyPayment(referralId)).id)) as PaymentWithEvents;

      expect(done).toMatchObject({ status: 'completed', resultCode: '0', resultDesc: 'The service request is processed successfully.', errorMessage: null });
      // The query never carries the receipt; only a callback could bring it.
      expect(done.mpesaTransactionId).toBeNull();
      const settled = done.events.filter((e) => e.type === 'status-changed');
      expect(settled).toEqual([
        expect.objectContaining({ fromStatus: 'pending', toStatus: 'completed', source: 'reconciliation', detail: expect.objectContaining({ via: 'status-query', checkoutRequestId: done.stkRequestId, resultCode: '0' }) }),
      ]);

      const truth = await flow.groundTruth();
      const tx = truth.transactions.find((x) => x.checkoutRequestId === done.stkRequestId)!;
      expect(tx).toMatchObject({ status: 'completed', callbacks: [] });
      expect(tx.queryCount).toBe(queryEvents(done).length);
      expect((await dbRow(t, done.id)).query_count).toBe(tx.queryCount);
      expect((await flow.http.get(`/api/referrals/${referralId}`)).body).toMatchObject({ status: 'paid', paidAt: expect.any(String) });
    });

    it('fails a cancelled payment whose callback never came (205), with the M-Pesa result', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('205'));
      const done = (await flow.finalPayment((await flow.onlyPayment(referralId)).id)) as PaymentWithEvents;

      expect(done).toMatchObject({ status: 'failed', resultCode: '1032', resultDesc: 'Request cancelled by user', mpesaTransactionId: null });
      expect(done.errorMessage).toMatch(/cancelled.*1032/);
      expect(done.events.at(-1)).toMatchObject({ type: 'status-changed', fromStatus: 'pending', toStatus: 'failed', source: 'reconciliation' });
      const truth = await flow.groundTruth();
      expect(truth.transactions.find((x) => x.checkoutRequestId === done.stkRequestId)).toMatchObject({ status: 'failed', resultCode: '1032', callbacks: [] });
      expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('pending-payment');
    });

    it('never status-queries or resends a push whose answer was lost (501); its callback, once Daraja confirms its id, settles it', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('501'));
      const done = (await flow.finalPayment((await flow.onlyPayment(referralId)).id)) as PaymentWithEvents;
      expect(done).toMatchObject({ status: 'completed', attempts: 1, stkRequestId: expect.stringMatching(/^ws_CO_/) });
      expect(done.events.map((e) => e.type)).toEqual(['created', 'push-indeterminate', 'callback-matched', 'status-changed']);

      // A few more rounds: the completed payment is never queried.
      const runs = jest.spyOn(t.app.get(ReconciliationService), 'run');
      await waitFor(async () => runs.mock.calls.length >= 2, 'two more reconciliation rounds');
      runs.mockRestore();
      const truth = await flow.groundTruth();
      expect(truth.pushes.filter((p) => p.accountReference === done.accountReference)).toHaveLength(1);
      // One STK Push Query: the confirmation of the callback's CheckoutRequestID (no push of ours was
      // answered with it) before it was matched; reconciliation itself never asked about this payment.
      expect(truth.queriesByCheckoutRequestId[done.stkRequestId!]).toBe(1);
      expect(done.events.find((e) => e.type === 'callback-matched')?.detail).toMatchObject({ confirmedBy: 'stk-push-query' });
      expect((await dbRow(t, done.id)).query_count).toBe(0);
    });

    it('keeps a completed payment completed whatever the query says', async () => {
      // The simulator's truth is "cancelled, no callback"; a success callback completes the payment
      // first. Rounds are held back meanwhile, so the query cannot fail the payment before that.
      const queue = t.app.get<Queue>(getQueueToken(QUEUES.reconcile));
      await queue.pause();
      let accepted: PaymentWithEvents;
      try {
        await waitFor(async () => (await queue.getActiveCount()) === 0, 'the running round to finish');
        const referralId = await flow.referralInPendingPayment(SIM('205'));
        accepted = await acceptedPayment(flow, referralId);
        await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(accepted.stkRequestId!, accepted.amount, accepted.phoneNumber, 'QRC7T4K2LM')).expect(200);
        const completed = await flow.finalPayment(accepted.id);
        expect(completed).toMatchObject({ status: 'completed', mpesaTransactionId: 'QRC7T4K2LM' });
      } finally {
        await queue.resume();
      }
      await waitFor(async () => (await flow.groundTruth()).transactions.find((x) => x.checkoutRequestId === accepted.stkRequestId)?.status === 'failed', 'the simulator to know the real outcome');

      // The race the row lock settles: a query claimed while the payment was pending, answered after.
      const answer = await t.app.get(DarajaClient).stkQuery(accepted.stkRequestId!);
      expect(answer).toEqual({ kind: 'final', resultCode: '1032', resultDesc: 'Request cancelled by user' });
      const verdict = await t.app.get(ReconciliationService).applyAnswer({ id: accepted.id, stkRequestId: accepted.stkRequestId! }, answer);
      expect(verdict).toBe('ignored');

      // And the sweep, several rounds on, leaves it alone too.
      const runs = jest.spyOn(t.app.get(ReconciliationService), 'run');
      await waitFor(async () => runs.mock.calls.length >= 3, 'three more reconciliation rounds');
      runs.mockRestore();

      const after = (await flow.payment(accepted.id)) as PaymentWithEvents;
      expect(after).toMatchObject({ status: 'completed', resultCode: '0', mpesaTransactionId: 'QRC7T4K2LM', errorMessage: null });
      expect(after.events.filter((e) => e.type === 'status-changed')).toEqual([expect.objectContaining({ toStatus: 'completed', source: 'callback' })]);
      expect(after.events.at(-1)).toMatchObject({
        type: 'status-query',
        source: 'reconciliation',
        fromStatus: null,
        toStatus: null,
        detail: expect.objectContaining({ answer: 'final', resultCode: '1032', applied: false, note: expect.stringMatching(/already completed/) }),
      });
      expect((await flow.http.get(`/api/referrals/${accepted.referralId}`)).body.status).toBe('paid');
      const truth = await flow.groundTruth();
      // Our one direct query only: the sweep never asked about the completed payment.
      expect(truth.transactions.find((x) => x.checkoutRequestId === accepted.stkRequestId)).toMatchObject({ status: 'failed', queryCount: 1 });
    });
  });

  describe('answers that are not final yet (every callback lost)', () => {
    let t: TestApp;
    let flow: ReturnType<typeof paymentFlow>;

    beforeAll(async () => {
      // Slow prompts (601/602) answer after 10 x 300 ms = 3 s.
      t = await startTestApp({ role: 'all', env: { ...FAST, ...(await lostCallbacks()), SIMULATOR_CALLBACK_DELAY_MS: '300' } });
      flow = paymentFlow(t);
    });
    afterAll(() => t.close());

    it.each([
      ['601', 'HTTP 500 "being processed"'],
      ['602', 'HTTP 200 ResultCode 4999'],
    ])('keeps a payment pending while the query answers %s (%s), then settles it', async (code) => {
      const referralId = await flow.referralInPendingPayment(SIM(code));
      const payment = await flow.onlyPayment(referralId);

      // A "processing" answer is recorded and changes nothing.
      const seen = await waitFor(async () => {
        const p = (await flow.payment(payment.id)) as PaymentWithEvents;
        return p.events.some((e) => e.type === 'status-query' && e.detail.answer === 'processing') ? p : null;
      }, 'a processing answer', 15_000);
      expect(seen.status).toBe('pending');
      expect((await flow.groundTruth()).transactions.find((x) => x.checkoutRequestId === seen.stkRequestId)!.status).toBe('processing');

      const done = (await flow.finalPayment(payment.id)) as PaymentWithEvents;
      expect(done).toMatchObject({ status: 'completed', resultCode: '0', mpesaTransactionId: null });
      const asked = queryEvents(done);
      expect(asked.length).toBeGreaterThanOrEqual(2);
      expect(asked.map((e) => e.detail.queryNumber)).toEqual(asked.map((_, i) => i + 1));
      expect(asked.slice(0, -1).every((e) => e.type === 'status-query' && e.detail.answer === 'processing' && e.toStatus === null)).toBe(true);
      expect(asked.at(-1)).toMatchObject({ type: 'status-changed', toStatus: 'completed', source: 'reconciliation' });
      // Each processing answer pushed the next query further out.
      const planned = asked.slice(0, -1).map((e) => Date.parse(e.detail.nextQueryAt as string) - Date.parse(e.at));
      planned.forEach((ms, i) => expect(ms).toBeGreaterThan(queryBackoffMs(i + 1, 1000) - 200));

      const tx = (await flow.groundTruth()).transactions.find((x) => x.checkoutRequestId === done.stkRequestId)!;
      expect(tx).toMatchObject({ status: 'completed', queryCount: asked.length });
      expect((await dbRow(t, done.id)).query_count).toBe(asked.length);
    });

    it('asks again after a spike-arrested first query (603) and ends right', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('603'));
      const done = (await flow.finalPayment((await flow.onlyPayment(referralId)).id)) as PaymentWithEvents;
      expect(done).toMatchObject({ status: 'completed', resultCode: '0' });
      const asked = queryEvents(done);
      expect(asked).toEqual([
        expect.objectContaining({
          type: 'status-query',
          toStatus: null,
          detail: expect.objectContaining({ queryNumber: 1, answer: 'error', errorClass: 'indeterminate', errorCode: '500.003.02', httpStatus: 500 }),
        }),
        expect.objectContaining({ type: 'status-changed', toStatus: 'completed', source: 'reconciliation', detail: expect.objectContaining({ queryNumber: 2 }) }),
      ]);
      const tx = (await flow.groundTruth()).transactions.find((x) => x.checkoutRequestId === done.stkRequestId)!;
      expect(tx.queryCount).toBe(2);
    });
  });

  describe('expiry', () => {
    let t: TestApp;
    let flow: ReturnType<typeof paymentFlow>;
    const EXPIRY_S = 4;

    beforeAll(async () => {
      // Callbacks are lost and a slow prompt stays "processing" for 10 x 5 s: nothing settles these.
      t = await startTestApp({
        role: 'all',
        env: { ...FAST, ...(await lostCallbacks()), MPESA_TIMEOUT_MS: '1000', SIMULATOR_CALLBACK_DELAY_MS: '5000', PAYMENT_EXPIRY_S: String(EXPIRY_S) },
      });
      flow = paymentFlow(t);
    });
    afterAll(() => t.close());

    it.each(['601', '602'])('fails a payment still processing (%s) at PAYMENT_EXPIRY_S, with its own result text', async (code) => {
      const referralId = await flow.referralInPendingPayment(SIM(code));
      const done = (await flow.finalPayment((await flow.onlyPayment(referralId)).id)) as PaymentWithEvents;

      expect(done).toMatchObject({ status: 'failed', resultCode: null, resultDesc: null, mpesaTransactionId: null });
      expect(done.errorMessage).toBe('Expired: no result from M-Pesa within 4 s; the last status query said the payment was still being processed');
      expect(Date.parse(done.updatedAt) - Date.parse(done.createdAt)).toBeGreaterThanOrEqual(EXPIRY_S * 1000);
      const asked = queryEvents(done);
      expect(asked.slice(0, -1).every((e) => e.type === 'status-query' && e.detail.answer === 'processing')).toBe(true);
      expect(asked.at(-1)).toMatchObject({ type: 'expired', fromStatus: 'pending', toStatus: 'failed', source: 'reconciliation', detail: expect.objectContaining({ answer: 'processing', expirySeconds: EXPIRY_S }) });

      const tx = (await flow.groundTruth()).transactions.find((x) => x.checkoutRequestId === done.stkRequestId)!;
      expect(tx).toMatchObject({ status: 'processing', queryCount: asked.length });
      expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('pending-payment');
    });

    it('expires a push whose answer was lost and whose callback never came (501), never querying or resending it', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('501'));
      const done = (await flow.finalPayment((await flow.onlyPayment(referralId)).id)) as PaymentWithEvents;

      expect(done).toMatchObject({ status: 'failed', stkRequestId: null, resultCode: null, attempts: 1 });
      expect(done.errorMessage).toMatch(/^Expired: no result from M-Pesa within 4 s; the STK push's answer was lost/);
      expect(done.events.map((e) => [e.type, e.source])).toEqual([
        ['created', 'api'],
        ['push-indeterminate', 'worker'],
        ['expired', 'reconciliation'],
      ]);
      const truth = await flow.groundTruth();
      const pushes = truth.pushes.filter((p) => p.accountReference === done.accountReference);
      expect(pushes).toEqual([expect.objectContaining({ outcome: 'accepted' })]);
      expect(truth.queriesByCheckoutRequestId[pushes[0].checkoutRequestId!]).toBe(0);
      expect((await dbRow(t, done.id)).push_state).toBe('indeterminate');
    });

    it('expires a push never sent (queued) and never sends it afterwards; leaves one being sent alone until it is no longer being sent', async () => {
      const referralId = (await flow.http.post('/api/referrals', { patientName: 'Queued Patient' })).body.id as string;
      const otherReferralId = (await flow.http.post('/api/referrals', { patientName: 'Sending Patient' })).body.id as string;
      // Rows as a long Redis outage or a worker stuck mid-send would leave them, an hour old.
      const insert = (referral: string, pushState: string, attempts: number) =>
        t.dataSource
          .query(
            `INSERT INTO payments (referral_id, phone_number, amount, push_state, attempts, created_at, updated_at)
             VALUES ($1, '254700000000', 1000, $2, $3, now() - interval '1 hour', now()) RETURNING id`,
            [referral, pushState, attempts],
          )
          .then((rows: { id: string }[]) => rows[0].id);
      const queuedId = await insert(referralId, 'queued', 0);
      const sendingId = await insert(otherReferralId, 'sending', 1);
      const runs = jest.spyOn(t.app.get(ReconciliationService), 'run');

      const queued = (await flow.finalPayment(queuedId)) as PaymentWithEvents;
      expect(queued).toMatchObject({ status: 'failed', resultCode: null, attempts: 0 });
      expect(queued.errorMessage).toBe('Expired: no result from M-Pesa within 4 s; the STK push was never sent');
      expect(queued.events).toEqual([expect.objectContaining({ type: 'expired', fromStatus: 'pending', toStatus: 'failed', source: 'reconciliation', detail: expect.objectContaining({ pushState: 'queued' }) })]);
      expect((await dbRow(t, queuedId)).push_state).toBe('abandoned');

      // A push job published late (the sweeper, a retry) finds nothing to send.
      await t.app.get(PushDispatcher).publish(queuedId);
      const job = await waitFor(async () => {
        const j = await t.app.get<Queue>(getQueueToken(QUEUES.stkPush)).getJob(stkPushJobId(queuedId));
        return j && (await j.isCompleted()) ? j : null;
      }, 'the late push job to finish');
      expect(job.returnvalue).toMatchObject({ kind: 'not-owed' });

      // The one being sent: two more full rounds, and it is still pending and untouched.
      const seen = runs.mock.calls.length;
      await waitFor(async () => runs.mock.calls.length >= seen + 2, 'two more reconciliation rounds');
      runs.mockRestore();
      expect(await dbRow(t, sendingId)).toMatchObject({ status: 'pending', push_state: 'sending' });
      expect(((await flow.payment(sendingId)) as PaymentWithEvents).events).toEqual([]);

      // Once its send is known to have ended without an answer, it expires like any lost push.
      await t.dataSource.query(`UPDATE payments SET push_state = 'indeterminate' WHERE id = $1`, [sendingId]);
      const lost = await flow.finalPayment(sendingId);
      expect(lost.errorMessage).toMatch(/answer was lost/);

      const truth = await flow.groundTruth();
      expect(truth.pushes.filter((p) => p.accountReference === lost.accountReference)).toEqual([]);
    });
  });

  describe('two worker processes', () => {
    let t: TestApp;
    let flow: ReturnType<typeof paymentFlow>;
    let secondWorker: INestApplicationContext;
    const QUERIES_PER_S = 10;

    beforeAll(async () => {
      // Slow prompts answer after 10 x 500 ms = 5 s: each payment sees several rounds.
      const env = { ...FAST, ...(await lostCallbacks()), SIMULATOR_CALLBACK_DELAY_MS: '500', RECONCILE_QUERIES_PER_S: String(QUERIES_PER_S) };
      t = await startTestApp({ role: 'all', env });
      flow = paymentFlow(t);
      secondWorker = await startWorker(t, env);
    });
    afterAll(async () => {
      await secondWorker?.close();
      await t?.close();
    });

    it('queries each due payment at most once per round, whichever worker runs it', async () => {
      const referralIds: string[] = [];
      for (const code of ['601', '602', '601', '602', '601', '602']) referralIds.push(await flow.referralInPendingPayment(SIM(code)));
      const payments = await Promise.all(referralIds.map((id) => flow.onlyPayment(id)));
      const done = (await Promise.all(payments.map((p) => flow.finalPayment(p.id, 40_000)))) as PaymentWithEvents[];
      const truth = await flow.groundTruth();

      for (const payment of done) {
        expect(payment).toMatchObject({ status: 'completed', resultCode: '0' });
        const asked = queryEvents(payment);
        // Every query the simulator saw was answered and recorded once, numbered 1..n without a repeat.
        expect(truth.queriesByCheckoutRequestId[payment.stkRequestId!]).toBe(asked.length);
        expect((await dbRow(t, payment.id)).query_count).toBe(asked.length);
        expect(asked.map((e) => e.detail.queryNumber)).toEqual(asked.map((_, i) => i + 1));
        expect(asked.length).toBeGreaterThanOrEqual(2);
        // Two queries of one payment are never closer than its backoff step (>= one round).
        for (let k = 1; k < asked.length; k++) {
          const gap = Date.parse(asked[k].at) - Date.parse(asked[k - 1].at);
          expect(gap).toBeGreaterThan(queryBackoffMs(k, 1000) - 200);
        }
      }
    });

    it('never lets two concurrent rounds claim the same payment', async () => {
      const queue = t.app.get<Queue>(getQueueToken(QUEUES.reconcile));
      // Scheduled rounds are held back so that the due payments wait for the two rounds started below.
      await queue.pause();
      try {
        await waitFor(async () => (await queue.getActiveCount()) === 0, 'the running round to finish');
        const referralIds: string[] = [];
        for (let i = 0; i < 12; i++) referralIds.push(await flow.referralInPendingPayment(SIM('201')));
        const accepted = await Promise.all(referralIds.map((id) => acceptedPayment(flow, id)));
        const ids = accepted.map((p) => p.id);
        const checkoutIds = new Set(accepted.map((p) => p.stkRequestId));
        await waitFor(async () => (await flow.groundTruth()).transactions.filter((x) => checkoutIds.has(x.checkoutRequestId) && x.status === 'completed').length === 12, 'the customers to pay');
        // All due at once.
        await t.dataSource.query(`UPDATE payments SET created_at = now() - interval '1 minute', next_query_at = now() - interval '1 second' WHERE id = ANY($1)`, [ids]);

        const services = [t.app.get(ReconciliationService), secondWorker.get(ReconciliationService)];
        const reports: ReconcileReport[] = await Promise.all([...services, ...services].map((s) => s.run()));

        // No round claims more than its budget (RECONCILE_QUERIES_PER_S x RECONCILE_INTERVAL_S), and
        // together they claimed every due payment exactly once.
        for (const report of reports) expect(report.queried).toBeLessThanOrEqual(QUERIES_PER_S);
        expect(reports.reduce((n, r) => n + r.queried, 0)).toBe(12);
        expect(reports.reduce((n, r) => n + r.completed, 0)).toBe(12);
        const truth = await flow.groundTruth();
        for (const p of accepted) {
          expect(truth.queriesByCheckoutRequestId[p.stkRequestId!]).toBe(1);
          expect(await dbRow(t, p.id)).toMatchObject({ status: 'completed', query_count: 1 });
        }
      } finally {
        await queue.resume();
      }
    });
  });

  describe('the shared rate limit', () => {
    let redis: Redis;
    beforeAll(() => {
      redis = new Redis(TEST_REDIS_URL);
    });
    afterAll(() => redis.quit());

    it('spaces slots 1/rate apart across limiters sharing a key, as two processes would', async () => {
      const key = `${testRedisPrefix()}:rate-limit:test`;
      const store = new RedisSlotStore(redis);
      const a = new RateLimiter(store, key, 5);
      const b = new RateLimiter(store, key, 5);
      const slots = (await Promise.all([a, b, a, b, a, b].map((l) => l.acquire()))).sort((x, y) => x - y);
      for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(200);
      expect(Number(await redis.pttl(key))).toBeGreaterThan(0);
    });
  });
});

/** A second worker process's modules, in this Jest process, on the app's database and Redis prefix. */
async function startWorker(t: TestApp, env: Record<string, string>): Promise<INestApplicationContext> {
  const config = loadAppConfig({
    PORT: new URL(t.baseUrl).port,
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: t.redisPrefix,
    API_KEYS: `admin:${ADMIN_KEY},staff:${STAFF_KEY}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PROCESS_ROLE: 'worker',
    ...env,
  });
  const context = await NestFactory.createApplicationContext(WorkerModule.forConfig(config), { logger: false });
  await context.init();
  return context;
}
