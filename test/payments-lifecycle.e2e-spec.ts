// The payment lifecycle through the real API, worker, Postgres, Redis and the Daraja simulator over HTTP.
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const SIM = (code: string) => `254700000${code}`;

describe('Payment lifecycle (API + worker + simulator)', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({
      role: 'all',
      env: {
        SIMULATOR_CALLBACK_DELAY_MS: '150',
        STK_RETRY_BASE_MS: '100',
        MPESA_TIMEOUT_MS: '1500',
        // Reconciliation is not under test here: keep the status query out of the way.
        RECONCILE_FIRST_QUERY_S: '3600',
      },
    });
    flow = paymentFlow(t);
  });
  afterAll(() => t.close());

  it('walks a referral from creation to paid: push sent, callback applied, history recorded', async () => {
    const referralId = await flow.referralInPendingPayment('0708374149');
    const started = await flow.onlyPayment(referralId);
    expect(started).toMatchObject({ referralId, phoneNumber: '254708374149', amount: 1000, retryOf: null });

    const done = await flow.finalPayment(started.id);
    expect(done).toMatchObject({
      status: 'completed',
      resultCode: '0',
      resultDesc: 'The service request is processed successfully.',
      errorMessage: null,
      attempts: 1,
      stkRequestId: expect.stringMatching(/^ws_CO_/),
      mpesaTransactionId: expect.stringMatching(/^[A-Z0-9]{10}$/),
    });
    expect(done.events!.map((e) => [e.type, e.fromStatus, e.toStatus, e.source])).toEqual([
      ['created', null, 'pending', 'api'],
      ['push-accepted', null, null, 'worker'],
      ['status-changed', 'pending', 'completed', 'callback'],
    ]);

    const referral = (await flow.http.get(`/api/referrals/${referralId}`)).body;
    expect(referral).toMatchObject({ status: 'paid', stkSentCount: 1, paidAt: expect.any(String) });

    const truth = await flow.groundTruth();
    const tx = truth.transactions.find((x) => x.checkoutRequestId === done.stkRequestId)!;
    expect(tx).toMatchObject({ status: 'completed', mpesaReceiptNumber: done.mpesaTransactionId, amount: 1000, accountReference: done.accountReference });
    expect(truth.acceptedPushesByAccountReference[done.accountReference]).toBe(1);

    const history = await t.dataSource.query(
      `SELECT from_status, to_status, source FROM referral_status_changes WHERE referral_id = $1 AND to_status = 'paid'`,
      [referralId],
    );
    expect(history).toEqual([{ from_status: 'pending-payment', to_status: 'paid', source: 'callback' }]);
  });

  it.each([
    ['101', '1', /insufficient/i],
    ['102', '1032', /cancelled/i],
    ['103', '1037', /did not answer|cannot be reached/i],
    ['104', '2001', /wrong M-Pesa PIN/i],
    ['105', '1019', /did not answer|expired/i],
    ['106', '17', /limit/i],
    ['108', 'SFC_IC0003', /configuration/i],
    ['109', '8006', /./],
  ])('simulator outcome %s ends failed with result %s', async (code, resultCode, message) => {
    const referralId = await flow.referralInPendingPayment(SIM(code));
    const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(done.status).toBe('failed');
    expect(done.resultCode).toBe(resultCode);
    expect(done.resultDesc).toEqual(expect.any(String));
    expect(done.errorMessage).toMatch(message);
    expect(done.errorMessage).toContain(resultCode);
    expect(done.mpesaTransactionId).toBeNull();
    const referral = (await flow.http.get(`/api/referrals/${referralId}`)).body;
    expect(referral).toMatchObject({ status: 'pending-payment', paidAt: null, stkSentCount: 1 });
  });

  it('applies a callback delivered twice only once', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('202'));
    const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(done.status).toBe('completed');
    await waitFor(async () => {
      const truth = await flow.groundTruth();
      return truth.transactions.find((x) => x.checkoutRequestId === done.stkRequestId)?.callbacks.length === 2;
    }, 'the second delivery');
    const callbacks = await waitFor(async () => {
      const rows = await t.dataSource.query(`SELECT state, deliveries FROM mpesa_callbacks WHERE checkout_request_id = $1`, [done.stkRequestId]);
      return rows.length === 1 && rows[0].deliveries === 2 ? rows : null;
    }, 'the duplicate to be counted');
    expect(callbacks).toEqual([{ state: 'applied', deliveries: 2 }]);
    const again = await flow.payment(done.id);
    expect(again.events!.filter((e) => e.type === 'status-changed')).toHaveLength(1);
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.stkSentCount).toBe(1);
  });

  it('applies a callback that arrives before the push answer once the answer is stored', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('204'));
    const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(done).toMatchObject({ status: 'completed', attempts: 1 });
    const [callback] = await t.dataSource.query(`SELECT state, payment_id FROM mpesa_callbacks WHERE checkout_request_id = $1`, [done.stkRequestId]);
    expect(callback).toEqual({ state: 'applied', payment_id: done.id });
    const truth = await flow.groundTruth();
    expect(truth.acceptedPushesByAccountReference[done.accountReference]).toBe(1);
  });

  it('retries spike arrest with backoff and ends with one accepted push', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('312'));
    const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(done).toMatchObject({ status: 'completed', attempts: 3 });
    const retries = done.events!.filter((e) => e.type === 'push-retry');
    expect(retries).toHaveLength(2);
    expect(retries[0].detail).toMatchObject({ attempt: 1, errorCode: '500.003.02' });
    const truth = await flow.groundTruth();
    const ours = truth.pushes.filter((p) => p.accountReference === done.accountReference);
    expect(ours.map((p) => p.outcome)).toEqual(['refused', 'refused', 'accepted']);
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.stkSentCount).toBe(1);
  });

  it('fails at once on a permanent refusal, without retrying', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('401'));
    const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(done).toMatchObject({ status: 'failed', attempts: 1, stkRequestId: null });
    expect(done.errorMessage).toMatch(/Merchant does not exist/);
    const truth = await flow.groundTruth();
    expect(truth.pushes.filter((p) => p.accountReference === done.accountReference)).toHaveLength(1);
  });

  it('fails a payment after STK_MAX_ATTEMPTS retryable refusals, naming the last error', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('320'));
    const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id, 30_000);
    expect(done).toMatchObject({ status: 'failed', attempts: 5 });
    expect(done.errorMessage).toMatch(/after 5 attempts.*System is busy/);
    const truth = await flow.groundTruth();
    expect(truth.pushes.filter((p) => p.accountReference === done.accountReference)).toHaveLength(5);
  });

  it('never resends a push whose answer was lost: the payment stays pending, then its callback settles it', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('501'));
    const payment = await flow.onlyPayment(referralId);
    const done = await flow.finalPayment(payment.id);
    // The simulator accepted the push and sent its callback; the answer never came, so the
    // callback was matched to the payment by phone number and amount.
    expect(done).toMatchObject({ status: 'completed', attempts: 1, stkRequestId: expect.stringMatching(/^ws_CO_/) });
    expect(done.events!.map((e) => e.type)).toEqual(['created', 'push-indeterminate', 'callback-matched', 'status-changed']);
    const truth = await flow.groundTruth();
    expect(truth.pushes.filter((p) => p.accountReference === done.accountReference)).toHaveLength(1);
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('paid');
  });

  it('refuses to cancel a referral while its payment is pending', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('201')); // callback never comes
    const payment = await flow.onlyPayment(referralId);
    await waitFor(async () => (await flow.payment(payment.id)).stkRequestId, 'the push to be accepted');
    const res = await flow.http.patch(`/api/referrals/${referralId}/status`, { status: 'cancelled' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'PAYMENT_IN_PROGRESS', paymentId: payment.id });
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('pending-payment');
  });
});
