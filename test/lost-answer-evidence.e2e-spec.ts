// Issue 13, items 1, 4 and 5: a callback whose CheckoutRequestID no push of ours was answered with.
// It is first confirmed by an STK Push Query (an id Daraja does not know is a forgery); confirmed,
// it completes a payment only when exactly one push of that phone and amount, in flight or with its
// answer lost, was sent within the prompt's lifetime before it; a push still waiting for its answer
// makes it wait. Otherwise nothing is guessed. Such a match waits for M-Pesa's Transaction Status to
// confirm the receipt too (issue 16); the fake's ledger says which receipts M-Pesa holds. Daraja is
// a fake that decides each answer.
import { Logger } from '@nestjs/common';
import { PaymentSweeper } from '../src/payments/processors/payment-sweeper.service';
import { DEV_CALLBACK_PATH, successCallback } from './support/callbacks';
import { FakeDaraja, FakePush } from './support/fake-daraja';
import { paymentFlow, PaymentBody } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const AMOUNT = 1000;

describe('Callbacks for CheckoutRequestIDs we never learnt', () => {
  let fake: FakeDaraja;
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  /** CheckoutRequestIDs the fake Daraja says it issued (for callbacks the test plays). */
  const issued = new Set<string>();

  beforeAll(async () => {
    fake = await FakeDaraja.start();
    fake.queryAnswer = (id) => (issued.has(id) || fake.pushes.some((p) => p.checkoutRequestId === id) ? FakeDaraja.final('0') : FakeDaraja.unknownId());
    t = await startTestApp({
      role: 'all',
      // Pushes whose answer never comes time out after 1.5 s (indeterminate); sweeps every second.
      env: { MPESA_BASE_URL: fake.url, MPESA_TIMEOUT_MS: '1500', RECONCILE_INTERVAL_S: '1', RECONCILE_FIRST_QUERY_S: '3600', REFERRAL_FEE_KES: String(AMOUNT) },
    });
    flow = paymentFlow(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const pushState = async (id: string) => (await t.dataSource.query('SELECT push_state FROM payments WHERE id = $1', [id]))[0].push_state as string;

  /** A referral whose payment's push went to Daraja and got the given treatment. */
  async function pushed(phone: string, mode: 'lose' | 'hold'): Promise<{ referralId: string; payment: PaymentBody; push: FakePush }> {
    fake.pushMode = mode;
    const before = fake.pushes.length;
    const referralId = await flow.referralInPendingPayment(phone);
    const [push] = (await fake.waitForPushes(before + 1)).slice(before);
    const payment = await flow.onlyPayment(referralId);
    const wanted = mode === 'lose' ? 'indeterminate' : 'sending';
    await waitFor(async () => (await pushState(payment.id)) === wanted, `the push to be ${wanted}`, 10_000);
    return { referralId, payment, push };
  }

  const postCallback = (checkoutRequestId: string, phone: string, receipt: string) =>
    flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(checkoutRequestId, AMOUNT, phone, receipt)).expect(200);

  const callbackRow = async (checkoutRequestId: string) =>
    // As JSON: the same query reads the table before and after the columns this work added.
    (await t.dataSource.query('SELECT to_jsonb(c) AS row FROM mpesa_callbacks c WHERE checkout_request_id = $1', [checkoutRequestId]))[0]?.row as
      | { state: string; note: string | null; payment_id: string | null; confirmation?: string | null }
      | undefined;

  const settledRow = (checkoutRequestId: string, what: (row: NonNullable<Awaited<ReturnType<typeof callbackRow>>>) => boolean, label: string) =>
    waitFor(async () => {
      const row = await callbackRow(checkoutRequestId);
      return row && what(row) ? row : null;
    }, label, 15_000);

  const referralStatus = async (id: string) => (await flow.http.get(`/api/referrals/${id}`)).body.status as string;
  const sweeps = async (n: number) => {
    for (let i = 0; i < n; i++) await t.app.get(PaymentSweeper).sweep();
  };

  it('dismisses a forged success callback (an id Daraja does not know) for a lost-answer payment: nothing is paid', async () => {
    const phone = '254712300001';
    const { referralId, payment } = await pushed(phone, 'lose');
    const forgedId = 'ws_CO_FORGED000000000001';
    await postCallback(forgedId, phone, 'FRGD000001');

    const row = await settledRow(forgedId, (r) => r.state === 'dismissed', 'the forged callback to be dismissed');
    expect(row).toMatchObject({ payment_id: null, confirmation: 'unknown', note: expect.stringMatching(/forged/) });
    expect(fake.queries).toContain(forgedId);
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null, stkRequestId: null });
    expect(await referralStatus(referralId)).toBe('pending-payment');
  });

  it('completes the one lost-answer payment that could have sent a confirmed callback', async () => {
    const phone = '254712300002';
    const { referralId, payment } = await pushed(phone, 'lose');
    const realId = 'ws_CO_CONFIRMED00000000002';
    issued.add(realId);
    fake.ledger.set('CNFM000002', { amount: AMOUNT, msisdn: phone });
    await postCallback(realId, phone, 'CNFM000002');

    const done = await flow.finalPayment(payment.id);
    expect(done).toMatchObject({ status: 'completed', mpesaTransactionId: 'CNFM000002', stkRequestId: realId });
    expect(fake.queries).toContain(realId);
    expect(fake.statusQueries).toContain('CNFM000002');
    const matched = (await flow.payment(payment.id)).events!.find((e) => e.type === 'callback-matched');
    expect(matched?.detail).toMatchObject({ by: 'phone-and-amount', confirmedBy: 'stk-push-query', verifiedBy: 'transaction-status' });
    expect(await referralStatus(referralId)).toBe('paid');
  });

  it("keeps a confirmed phone-and-amount match off the payment when Transaction Status does not know its receipt (2032): review, the payment stays pending", async () => {
    const phone = '254712300012';
    const { referralId, payment } = await pushed(phone, 'lose');
    const realId = 'ws_CO_CONFIRMED00000000012';
    issued.add(realId);
    await postCallback(realId, phone, 'NOTL000012');

    const row = await settledRow(realId, (r) => r.state === 'review', 'the callback to go to review');
    expect(row).toMatchObject({ payment_id: null, note: expect.stringMatching(/does not know receipt NOTL000012 \(2032\)/) });
    expect(fake.statusQueries).toContain('NOTL000012');
    const receipt = (await flow.http.get('/api/receipts/NOTL000012', 'admin')).body;
    expect(receipt).toMatchObject({ state: 'review', paymentId: null, verification: { status: 'unknown-receipt' } });
    const after = await flow.payment(payment.id);
    expect(after).toMatchObject({ status: 'pending', mpesaTransactionId: null, stkRequestId: null });
    expect(after.events!.some((e) => e.type === 'callback-matched')).toBe(false);
    expect(await referralStatus(referralId)).toBe('pending-payment');
  });

  it('never pays A with B\'s money when both answers were lost, not even once A has failed', async () => {
    const phone = '254712300003';
    const a = await pushed(phone, 'lose');
    const b = await pushed(phone, 'lose');
    const bId = 'ws_CO_TWOCANDIDATES000003';
    issued.add(bId);
    await postCallback(bId, phone, 'TWOC000003');

    const row = await settledRow(bId, (r) => r.state === 'unmatched' && r.confirmation === 'known' && !/awaiting/.test(r.note ?? ''), 'the callback to be confirmed and judged');
    expect(row.note).toMatch(/2 pushes .* could have sent it/);
    // A fails (an admin here; expiry alike): B's callback must still not be guessed onto either.
    await flow.http.post('/api/update-payment-status', { paymentId: a.payment.id, status: 'failed', reason: 'patient says the prompt never came' }, 'admin').expect(200);
    await sweeps(2);
    expect(await callbackRow(bId)).toMatchObject({ state: 'unmatched', payment_id: null });
    expect(await flow.payment(a.payment.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(await flow.payment(b.payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });
    expect(await referralStatus(a.referralId)).toBe('pending-payment');
    expect(await referralStatus(b.referralId)).toBe('pending-payment');
  });

  it("keeps B's callback that beats B's answer until that answer is stored, never giving it to a lost-answer A", async () => {
    const phone = '254712300004';
    const a = await pushed(phone, 'lose');
    const b = await pushed(phone, 'hold');
    await postCallback(b.push.checkoutRequestId, phone, 'BEAT000004');
    const waiting = await settledRow(b.push.checkoutRequestId, (r) => r.state === 'unmatched', 'the callback to wait');
    expect(waiting.note).toMatch(/waiting for the answer/);
    await sweeps(1);
    expect(await flow.payment(a.payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });

    b.push.accept();
    expect(await flow.finalPayment(b.payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'BEAT000004', stkRequestId: b.push.checkoutRequestId });
    expect(await callbackRow(b.push.checkoutRequestId)).toMatchObject({ state: 'applied', payment_id: b.payment.id });
    expect(await flow.payment(a.payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });
    expect(await referralStatus(b.referralId)).toBe('paid');
    expect(await referralStatus(a.referralId)).toBe('pending-payment');
  });

  it("never lets an old payment's late callback pay a newer payment of the same phone and amount", async () => {
    const phone = '254712300005';
    const old = await pushed(phone, 'lose');
    await flow.http.post('/api/update-payment-status', { paymentId: old.payment.id, status: 'failed', reason: 'expired at the front desk' }, 'admin').expect(200);
    const lateId = 'ws_CO_LATEOLDPAYMENT000005';
    issued.add(lateId);
    await postCallback(lateId, phone, 'LATE000005');
    const row = await settledRow(lateId, (r) => r.state === 'unmatched' && r.confirmation === 'known' && !/awaiting/.test(r.note ?? ''), 'the late callback to be judged');
    expect(row.note).toMatch(/already failed/);

    // Its receipt is unmatched: no newer payment of that phone and amount may start while it waits
    // (the patient may have paid), so none can be paid with it either.
    const retry = await flow.http.post(`/api/referrals/${old.referralId}/payments/retry`);
    expect(retry.body).toMatchObject({ statusCode: 409, code: 'RECEIPT_UNDER_REVIEW', receipt: 'LATE000005' });
    await sweeps(2);
    expect(await flow.paymentsOf(old.referralId)).toHaveLength(1);
    expect(await callbackRow(lateId)).toMatchObject({ state: 'unmatched', payment_id: null });
    expect((await flow.http.get('/api/receipts/LATE000005', 'admin')).body).toMatchObject({ state: 'unmatched', paymentId: null });

    // Once an admin sets the receipt aside (its callback with it), a newer payment whose push answer is lost too never takes it.
    await flow.http.post('/api/receipts/LATE000005/resolve', { action: 'dismiss', reason: 'paid for another clinic' }, 'admin').expect(200);
    await flow.http.post(`/api/referrals/${old.referralId}/payments/retry`).expect(202);
    const newer = (await flow.paymentsOf(old.referralId))[0];
    await waitFor(async () => (await pushState(newer.id)) === 'indeterminate', 'the newer push to be lost', 10_000);
    await sweeps(2);
    expect(await flow.payment(newer.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });
    expect(await callbackRow(lateId)).toMatchObject({ state: 'dismissed', payment_id: null, note: expect.stringMatching(/dismissed by an admin/) });
  });

  it('says so in one warning line, phone masked, when a masked-phone callback lands on no payment', async () => {
    const phone = '254712300006';
    const { payment } = await pushed(phone, 'lose');
    const maskedId = 'ws_CO_MASKEDPHONE00000006';
    issued.add(maskedId);
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const body = successCallback(maskedId, AMOUNT, phone, 'MASK000006');
      (body.Body.stkCallback.CallbackMetadata.Item[4] as { Value: unknown }).Value = '2547*****006';
      await flow.http.raw.post(DEV_CALLBACK_PATH).send(body).expect(200);
      const row = await settledRow(maskedId, (r) => r.state === 'unmatched' && r.confirmation === 'known' && !/awaiting/.test(r.note ?? ''), 'the masked callback to be judged');
      expect(row.note).toMatch(/masked/);
      await sweeps(2);

      const lines = warn.mock.calls.filter(([detail]) => JSON.stringify(detail).includes(maskedId));
      expect(lines).toHaveLength(1);
      expect(lines[0][0]).toMatchObject({ state: 'unmatched', receipt: 'MASK000006', amount: AMOUNT, checkoutRequestId: maskedId });
      expect(lines[0][1]).toBe('Money M-Pesa reported is on no payment');
      const logged = JSON.stringify(warn.mock.calls);
      expect(logged).not.toContain(phone);
      expect(logged).not.toContain(phone.slice(3));
    } finally {
      warn.mockRestore();
    }
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });
  });

  it('keeps a masked-phone callback that beats its push\'s answer until the answer is stored, then applies it', async () => {
    const phone = '254712300007';
    const { referralId, payment, push } = await pushed(phone, 'hold');
    const body = successCallback(push.checkoutRequestId, AMOUNT, phone, 'MASK000007');
    (body.Body.stkCallback.CallbackMetadata.Item[4] as { Value: unknown }).Value = '2547*****007';
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(body).expect(200);
    const waiting = await settledRow(push.checkoutRequestId, (r) => r.state === 'unmatched', 'the callback to wait');
    expect(waiting.note).toMatch(/waiting for the answer/);

    push.accept();
    expect(await flow.finalPayment(payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'MASK000007' });
    expect(await referralStatus(referralId)).toBe('paid');
  });
});

describe('Expiry waits for a callback still being confirmed', () => {
  let fake: FakeDaraja;
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let daraja: 'busy' | 'knows' = 'busy';

  beforeAll(async () => {
    fake = await FakeDaraja.start();
    // Busy at first: the confirmation query gets no usable answer.
    fake.queryAnswer = () => (daraja === 'busy' ? { status: 500, body: { requestId: 'x', errorCode: '500.003.02', errorMessage: 'System is busy. Please try again in few minutes.' } } : FakeDaraja.final('0'));
    fake.pushMode = 'lose';
    t = await startTestApp({
      role: 'all',
      env: { MPESA_BASE_URL: fake.url, MPESA_TIMEOUT_MS: '1000', RECONCILE_INTERVAL_S: '1', RECONCILE_FIRST_QUERY_S: '1', PAYMENT_EXPIRY_S: '4', REFERRAL_FEE_KES: String(AMOUNT) },
    });
    flow = paymentFlow(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('does not expire a lost-answer payment while a success callback that may be its own awaits confirmation', async () => {
    const phone = '254712300008';
    const referralId = await flow.referralInPendingPayment(phone);
    const payment = await flow.onlyPayment(referralId);
    await waitFor(async () => (await t.dataSource.query('SELECT push_state FROM payments WHERE id = $1', [payment.id]))[0].push_state === 'indeterminate', 'the push answer to be lost', 10_000);
    const id = 'ws_CO_CONFIRMLATER0000008';
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(id, AMOUNT, phone, 'LATE000008')).expect(200);
    await waitFor(async () => fake.queries.filter((q) => q === id).length >= 1, 'a confirmation query', 10_000);

    // Well past PAYMENT_EXPIRY_S, with reconciliation rounds every second: still pending.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'pending' });

    daraja = 'knows';
    fake.ledger.set('LATE000008', { amount: AMOUNT, msisdn: phone });
    const done = await flow.finalPayment(payment.id, 45_000);
    expect(done).toMatchObject({ status: 'completed', mpesaTransactionId: 'LATE000008', stkRequestId: id });
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('paid');
  });
});
