// Issue 13, item 6: a push answer Daraja gave is stored whatever the job's bookkeeping says. A
// stalled job that BullMQ runs again (after a Redis restart, say) marks the push indeterminate while
// the first run still waits for Daraja; the first run's "accepted" must then still be stored.
import Redis from 'ioredis';
import { StkPushSender } from '../src/payments/processors/stk-push.sender';
import { QUEUES, stkPushJobId } from '../src/queues/queue-catalogue';
import { DEV_CALLBACK_PATH, successCallback } from './support/callbacks';
import { FakeDaraja } from './support/fake-daraja';
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { TEST_REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait-for';

describe('A push answer is always stored', () => {
  let fake: FakeDaraja;
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    fake = await FakeDaraja.start();
    t = await startTestApp({
      role: 'all',
      env: { MPESA_BASE_URL: fake.url, MPESA_TIMEOUT_MS: '20000', RECONCILE_FIRST_QUERY_S: '3600', SIMULATOR_CALLBACK_DELAY_MS: '100' },
    });
    flow = paymentFlow(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const row = async (id: string) =>
    (await t.dataSource.query('SELECT status, push_state, stk_request_id, merchant_request_id FROM payments WHERE id = $1', [id]))[0] as {
      status: string;
      push_state: string;
      stk_request_id: string | null;
      merchant_request_id: string | null;
    };

  it('stores "accepted" that arrives after a re-run of the stalled job marked the push indeterminate', async () => {
    fake.pushMode = 'hold';
    const before = fake.pushes.length;
    const referralId = await flow.referralInPendingPayment('0712345001');
    const [push] = (await fake.waitForPushes(before + 1)).slice(before);
    const payment = await flow.onlyPayment(referralId);
    expect((await row(payment.id)).push_state).toBe('sending');

    // BullMQ runs the stalled job again: the re-run finds the push claimed and never answered.
    const rerun = await t.app.get(StkPushSender).send(payment.id);
    expect(rerun.kind).toBe('indeterminate');
    expect((await row(payment.id)).push_state).toBe('indeterminate');

    // Now Daraja answers the first run.
    push.accept();
    const stored = await waitFor(async () => {
      const r = await row(payment.id);
      return r.stk_request_id ? r : null;
    }, 'the accepted answer to be stored', 10_000);
    expect(stored).toEqual({ status: 'pending', push_state: 'accepted', stk_request_id: push.checkoutRequestId, merchant_request_id: push.merchantRequestId });

    const shown = await flow.payment(payment.id);
    expect(shown.events!.map((e) => e.type)).toEqual(['created', 'push-indeterminate', 'push-accepted']);
    expect(shown.events!.at(-1)!.detail).toMatchObject({ checkoutRequestId: push.checkoutRequestId, pushStateBefore: 'indeterminate' });
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.stkSentCount).toBe(1);

    // Its callback now completes it by CheckoutRequestID, as for any accepted push.
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(push.checkoutRequestId, payment.amount, payment.phoneNumber, 'UAC6ANSWR1')).expect(200);
    expect(await flow.finalPayment(payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'UAC6ANSWR1' });
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('paid');
  });

  it('stores "accepted" when BullMQ itself runs the job again after its lock was lost in Redis', async () => {
    fake.pushMode = 'hold';
    const before = fake.pushes.length;
    const referralId = await flow.referralInPendingPayment('0712345003');
    const [push] = (await fake.waitForPushes(before + 1)).slice(before);
    const payment = await flow.onlyPayment(referralId);
    // What a Redis restart does to a running job: its lock is gone, so BullMQ's stalled check hands
    // the job to a worker again while the first run still waits for Daraja.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.del(`${t.redisPrefix}:${QUEUES.stkPush}:${stkPushJobId(payment.id)}:lock`)).toBe(1);
    } finally {
      redis.disconnect();
    }
    await waitFor(async () => (await row(payment.id)).push_state === 'indeterminate', 'the re-run to mark the push indeterminate', 20_000);

    push.accept();
    const stored = await waitFor(async () => {
      const r = await row(payment.id);
      return r.stk_request_id ? r : null;
    }, 'the accepted answer to be stored', 10_000);
    expect(stored).toMatchObject({ status: 'pending', push_state: 'accepted', stk_request_id: push.checkoutRequestId });
    expect(fake.pushes.length).toBe(before + 1);
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.stkSentCount).toBe(1);
  });

  it('stores the answer onto a payment that expired while the answer was on its way, without reopening it', async () => {
    fake.pushMode = 'hold';
    const before = fake.pushes.length;
    const referralId = await flow.referralInPendingPayment('0712345002');
    const [push] = (await fake.waitForPushes(before + 1)).slice(before);
    const payment = await flow.onlyPayment(referralId);
    await t.app.get(StkPushSender).send(payment.id);
    // Expired meanwhile (as reconciliation fails an indeterminate push at PAYMENT_EXPIRY_S).
    await t.dataSource.query(`UPDATE payments SET status = 'failed', error_message = 'Expired (test)', next_query_at = NULL WHERE id = $1`, [payment.id]);

    push.accept();
    const stored = await waitFor(async () => {
      const r = await row(payment.id);
      return r.stk_request_id ? r : null;
    }, 'the accepted answer to be stored', 10_000);
    // The id is kept (a later callback can then be told apart from a forgery); the status is not touched.
    expect(stored).toMatchObject({ status: 'failed', stk_request_id: push.checkoutRequestId });
  });

  it('records, never throws on, an answer whose CheckoutRequestID another payment already holds', async () => {
    fake.pushMode = 'hold';
    const before = fake.pushes.length;
    const holderReferral = await flow.referralInPendingPayment('0712345004');
    const [holderPush] = (await fake.waitForPushes(before + 1)).slice(before);
    const holder = await flow.onlyPayment(holderReferral);
    const referralId = await flow.referralInPendingPayment('0712345005');
    const [push] = (await fake.waitForPushes(before + 2)).slice(before + 1);
    const payment = await flow.onlyPayment(referralId);
    holderPush.lose();
    // As the old phone+amount guess could leave it: the holder was given this push's id by a callback.
    await t.dataSource.query(`UPDATE payments SET stk_request_id = $2, push_state = 'indeterminate' WHERE id = $1`, [holder.id, push.checkoutRequestId]);

    push.accept();
    const events = await waitFor(async () => {
      const p = await flow.payment(payment.id);
      return p.events!.some((e) => e.type === 'push-answer-conflict') ? p.events! : null;
    }, 'the conflict to be recorded', 10_000);
    expect(events.find((e) => e.type === 'push-answer-conflict')!.detail).toMatchObject({ checkoutRequestId: push.checkoutRequestId, note: expect.stringContaining(holder.id) });
    expect(await row(payment.id)).toMatchObject({ status: 'pending', push_state: 'indeterminate', stk_request_id: null });
    expect(await row(holder.id)).toMatchObject({ stk_request_id: push.checkoutRequestId });
  });
});
