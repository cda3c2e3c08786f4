// Issue 13, items 2 and 3: a genuine success callback (receipt, same amount, the payment's own
// CheckoutRequestID) that arrives after the payment is final. After expiry or a status query's
// failure it completes the payment (status-corrected) and the referral is paid, unless another
// payment of the referral already paid it (refund-due); after a status query's success it adds the
// receipt (receipt-added), which then can never pay another payment. A status correction waits for
// M-Pesa's Transaction Status to confirm the receipt (issue 16): the fake's ledger says which
// receipts M-Pesa holds. Daraja is a fake that decides each push's and each query's answer; the
// tests play the callbacks.
import { Logger } from '@nestjs/common';
import { DEV_CALLBACK_PATH, failureCallback, successCallback } from './support/callbacks';
import { FakeDaraja, QueryAnswer } from './support/fake-daraja';
import { paymentFlow, PaymentBody } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const AMOUNT = 1000;
const PROCESSING: QueryAnswer = { status: 500, body: { requestId: 'fake', errorCode: '500.001.1001', errorMessage: 'The transaction is being processed' } };

interface CallbackRow {
  state: string;
  note: string | null;
  payment_id: string | null;
}

describe('A genuine success callback for a payment that is already final', () => {
  let fake: FakeDaraja;
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  /** What a status query answers, by CheckoutRequestID; anything else is "still being processed". */
  const answers = new Map<string, QueryAnswer>();

  beforeAll(async () => {
    fake = await FakeDaraja.start();
    fake.queryAnswer = (id) => answers.get(id) ?? PROCESSING;
    t = await startTestApp({
      role: 'all',
      // Queried a second after the push, a round a second; unanswered, a payment expires after 4 s.
      // A Transaction Status Result not here within 2 s is asked for again.
      env: { MPESA_BASE_URL: fake.url, RECONCILE_INTERVAL_S: '1', RECONCILE_FIRST_QUERY_S: '1', PAYMENT_EXPIRY_S: '4', REFERRAL_FEE_KES: String(AMOUNT), LEDGER_RESULT_WAIT_S: '2' },
    });
    flow = paymentFlow(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /**
   * `start` makes the referral start a payment (entering pending-payment starts its first one);
   * Daraja accepts the push, and a status query of it answers `answer` (still processing when
   * null: the payment expires).
   */
  async function accepted(answer: QueryAnswer | null, start: () => Promise<string>): Promise<{ referralId: string; payment: PaymentBody }> {
    fake.pushMode = 'hold';
    const before = fake.pushes.length;
    const referralId = await start();
    const [push] = (await fake.waitForPushes(before + 1)).slice(before);
    if (answer) answers.set(push.checkoutRequestId, answer);
    push.accept();
    const payment = await waitFor(async () => {
      const [newest] = await flow.paymentsOf(referralId);
      return newest?.stkRequestId === push.checkoutRequestId ? newest : null;
    }, 'the push to be accepted');
    return { referralId, payment };
  }
  const newReferral = (phone: string) => () => flow.referralInPendingPayment(phone);
  const retryOf = (referralId: string) => async () => {
    await flow.http.post(`/api/referrals/${referralId}/payments/retry`).expect(202);
    return referralId;
  };

  const post = (body: object) => flow.http.raw.post(DEV_CALLBACK_PATH).send(body).expect(200);
  const success = (payment: PaymentBody, receipt: string) => post(successCallback(payment.stkRequestId!, AMOUNT, payment.phoneNumber, receipt));
  /** The receipt as M-Pesa's ledger holds it: Transaction Status confirms it. */
  const inLedger = (payment: PaymentBody, receipt: string) => fake.ledger.set(receipt, { amount: AMOUNT, msisdn: payment.phoneNumber });
  const receiptOf = async (receipt: string) =>
    (await flow.http.get(`/api/receipts/${receipt}`, 'admin')).body as { state: string; paymentId: string | null; verification: { status: string; amount: number | null } | null; events: { type: string }[] };
  const callbackRow = (checkoutRequestId: string) =>
    waitFor(async () => {
      const rows: CallbackRow[] = await t.dataSource.query('SELECT state, note, payment_id FROM mpesa_callbacks WHERE checkout_request_id = $1 ORDER BY received_at', [checkoutRequestId]);
      const last = rows[rows.length - 1];
      return last && last.state !== 'received' ? last : null;
    }, `the callback for ${checkoutRequestId} to be processed`);
  const referral = async (id: string) => (await flow.http.get(`/api/referrals/${id}`)).body as { status: string; paidAt: string | null };
  const stats = async () => (await flow.http.get('/api/payments/stats', 'admin')).body as { completed: number; totalAmount: number; failed: number; refundDueAmount: number };
  const completed = (id: string) =>
    waitFor(async () => {
      const p = await flow.payment(id);
      return p.status === 'completed' ? (p as PaymentBody & { completedAt: string | null }) : null;
    }, `payment ${id} to be completed`);

  it('completes an expired payment when its success callback arrives: receipt kept, referral paid, stats count it, no second charge', async () => {
    const phone = '254712400001';
    const { referralId, payment } = await accepted(null, newReferral(phone));
    const expired = await flow.finalPayment(payment.id, 20_000);
    expect(expired).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(expired.events!.some((e) => e.type === 'expired')).toBe(true);
    const before = await stats();

    inLedger(payment, 'LATE400001');
    await success(payment, 'LATE400001');
    const done = await completed(payment.id);
    // Confirmed by M-Pesa first, once.
    expect(fake.statusQueries.filter((r) => r === 'LATE400001')).toHaveLength(1);
    expect(await receiptOf('LATE400001')).toMatchObject({ state: 'applied', paymentId: payment.id, verification: { status: 'confirmed', amount: AMOUNT } });
    expect(done).toMatchObject({ status: 'completed', mpesaTransactionId: 'LATE400001', resultCode: '0', errorMessage: null });
    expect(done.completedAt).not.toBeNull();
    const corrected = done.events!.find((e) => e.type === 'status-corrected');
    expect(corrected).toMatchObject({ fromStatus: 'failed', toStatus: 'completed', source: 'callback' });
    expect(corrected!.detail).toMatchObject({ receipt: 'LATE400001', overrides: { status: 'failed', by: 'expiry', errorMessage: expired.errorMessage } });
    expect(await callbackRow(payment.stkRequestId!)).toMatchObject({ state: 'applied', payment_id: payment.id });
    expect(await referral(referralId)).toMatchObject({ status: 'paid', paidAt: expect.any(String) });

    const after = await stats();
    expect(after.completed).toBe(before.completed + 1);
    expect(after.failed).toBe(before.failed - 1);
    expect(after.totalAmount).toBe(before.totalAmount + AMOUNT);

    // The patient paid: nothing may charge them again.
    expect((await flow.http.post(`/api/referrals/${referralId}/payments/retry`)).status).toBe(409);
    expect((await flow.http.post(`/api/payments/${payment.id}/retry`)).status).toBe(409);
    expect((await flow.http.post(`/api/referrals/${referralId}/payments`, {})).body).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect(fake.pushes.filter((p) => p.body.PhoneNumber === Number(phone) || p.body.PhoneNumber === phone)).toHaveLength(1);
  });

  it('completes a payment a status query failed (1032) when its success callback arrives', async () => {
    const phone = '254712400002';
    const { referralId, payment } = await accepted(FakeDaraja.final('1032', 'Request cancelled by user'), newReferral(phone));
    const failed = await flow.finalPayment(payment.id, 20_000);
    expect(failed).toMatchObject({ status: 'failed', resultCode: '1032' });
    const before = await stats();

    inLedger(payment, 'LATE400002');
    await success(payment, 'LATE400002');
    const done = await completed(payment.id);
    expect(fake.statusQueries).toContain('LATE400002');
    expect(done).toMatchObject({ mpesaTransactionId: 'LATE400002', resultCode: '0' });
    expect(done.events!.find((e) => e.type === 'status-corrected')!.detail).toMatchObject({
      overrides: { status: 'failed', by: 'status-query', resultCode: '1032', errorMessage: failed.errorMessage },
    });
    expect(await referral(referralId)).toMatchObject({ status: 'paid' });
    expect((await stats()).totalAmount).toBe(before.totalAmount + AMOUNT);
    expect((await flow.http.post(`/api/referrals/${referralId}/payments/retry`)).status).toBe(409);
  });

  it('waits for Transaction Status before it corrects an expired payment: with no Result the payment stays failed and the receipt waits, asked again, until M-Pesa confirms it', async () => {
    const phone = '254712400011';
    const { referralId, payment } = await accepted(null, newReferral(phone));
    await flow.finalPayment(payment.id, 20_000);
    inLedger(payment, 'LATE400011');
    fake.resultMode = 'lose';
    try {
      await success(payment, 'LATE400011');
      // Asked, no Result: asked again after LEDGER_RESULT_WAIT_S, never read as a failure.
      await fake.waitForStatusQueries('LATE400011', 2);
      const waiting = await callbackRow(payment.stkRequestId!);
      expect(waiting).toMatchObject({ state: 'unmatched', payment_id: null, note: expect.stringMatching(/^awaiting Transaction Status of receipt LATE400011 before it corrects the failed payment/) });
      expect(await receiptOf('LATE400011')).toMatchObject({ state: 'unmatched', paymentId: null, verification: { status: 'pending' } });
      expect(await flow.payment(payment.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
      expect(await referral(referralId)).toMatchObject({ status: 'pending-payment' });
      // The patient may have paid: no new prompt while the receipt waits.
      expect((await flow.http.post(`/api/referrals/${referralId}/payments/retry`)).body).toMatchObject({ code: 'RECEIPT_UNDER_REVIEW' });
    } finally {
      fake.resultMode = 'answer';
    }
    // The next ask is answered: the correction goes through.
    const done = await completed(payment.id);
    expect(done).toMatchObject({ mpesaTransactionId: 'LATE400011' });
    expect(done.events!.filter((e) => e.type === 'status-corrected')).toHaveLength(1);
    expect(await callbackRow(payment.stkRequestId!)).toMatchObject({ state: 'applied', payment_id: payment.id });
    const receipt = await receiptOf('LATE400011');
    expect(receipt).toMatchObject({ state: 'applied', paymentId: payment.id, verification: { status: 'confirmed', amount: AMOUNT } });
    expect(receipt.events.map((e) => e.type)).toEqual(expect.arrayContaining(['recorded', 'verification-requested', 'verified', 'state-changed']));
    expect(await referral(referralId)).toMatchObject({ status: 'paid' });
  });

  it('sends the late success of an expired payment to review when Transaction Status does not know its receipt (2032): the payment stays failed', async () => {
    const phone = '254712400012';
    const { referralId, payment } = await accepted(null, newReferral(phone));
    await flow.finalPayment(payment.id, 20_000);
    const before = await stats();
    await success(payment, 'LATE400012');
    const row = await waitFor(async () => {
      const r = await callbackRow(payment.stkRequestId!);
      return r.state === 'review' ? r : null;
    }, 'the callback to go to review');
    expect(row.note).toMatch(/does not know receipt LATE400012 \(2032\)/);
    expect(await receiptOf('LATE400012')).toMatchObject({ state: 'review', verification: { status: 'unknown-receipt' } });
    const after = await flow.payment(payment.id);
    expect(after).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(after.events!.some((e) => e.type === 'callback-conflict')).toBe(true);
    expect(await referral(referralId)).toMatchObject({ status: 'pending-payment' });
    expect((await stats()).totalAmount).toBe(before.totalAmount);
  });

  it('adds the receipt to a payment a status query completed, and that receipt then pays no other payment', async () => {
    const { referralId, payment } = await accepted(FakeDaraja.final('0'), newReferral('254712400003'));
    const byQuery = await flow.finalPayment(payment.id, 20_000);
    expect(byQuery).toMatchObject({ status: 'completed', mpesaTransactionId: null });
    expect(await referral(referralId)).toMatchObject({ status: 'paid' });
    const before = await stats();

    await success(payment, 'RCPT400003');
    const withReceipt = await waitFor(async () => {
      const p = await flow.payment(payment.id);
      return p.mpesaTransactionId ? (p as PaymentBody & { completedAt: string }) : null;
    }, 'the receipt to be added');
    expect(withReceipt).toMatchObject({ status: 'completed', mpesaTransactionId: 'RCPT400003', completedAt: (byQuery as PaymentBody & { completedAt: string }).completedAt });
    const added = withReceipt.events!.filter((e) => e.type === 'receipt-added');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ source: 'callback', detail: expect.objectContaining({ receipt: 'RCPT400003' }) });
    expect(await callbackRow(payment.stkRequestId!)).toMatchObject({ state: 'applied', payment_id: payment.id });
    expect(await stats()).toEqual(before);

    // Another referral's payment (expired): an admin may not complete it with that receipt.
    const { referralId: otherReferral, payment: other } = await accepted(null, newReferral('254712400033'));
    expect((await flow.finalPayment(other.id, 20_000)).status).toBe('failed');
    const res = await flow.http.post('/api/update-payment-status', { paymentId: other.id, status: 'completed', mpesaTransactionId: 'RCPT400003', reason: 'patient showed an SMS' }, 'admin');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'RECEIPT_ALREADY_USED' });
    expect(await flow.payment(other.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(await referral(otherReferral)).toMatchObject({ status: 'pending-payment' });

    // The same callback again changes nothing; one with another receipt is kept for review.
    await success(payment, 'RCPT400003');
    await success(payment, 'RCPT400099');
    const rows: CallbackRow[] = await waitFor(async () => {
      const r: CallbackRow[] = await t.dataSource.query('SELECT state, note, payment_id FROM mpesa_callbacks WHERE checkout_request_id = $1 ORDER BY received_at', [payment.stkRequestId]);
      return r.length === 2 && r.every((row) => row.state !== 'received') ? r : null;
    }, 'both callbacks to be processed');
    expect(rows.map((r) => r.state)).toEqual(['applied', 'review']);
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'RCPT400003' });
  });

  it("keeps the late success of a referral's expired payment for a refund once a retry paid the referral: one warning line, phone masked", async () => {
    const phone = '254712400004';
    const { referralId, payment: first } = await accepted(null, newReferral(phone));
    expect((await flow.finalPayment(first.id, 20_000)).status).toBe('failed');
    const { payment: retry } = await accepted(null, retryOf(referralId));
    expect(retry.id).not.toBe(first.id);
    await success(retry, 'PAID400004');
    await completed(retry.id);
    expect(await referral(referralId)).toMatchObject({ status: 'paid' });
    const before = await stats();

    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      await success(first, 'TWCE400004');
      const row = await callbackRow(first.stkRequestId!);
      expect(row).toMatchObject({ state: 'review', payment_id: first.id });
      expect(row.note).toMatch(/^refund-due: /);
      expect(row.note).toContain(retry.id);
      // Logged after the commit.
      const lines = await waitFor(async () => {
        const found = warn.mock.calls.filter(([detail]) => JSON.stringify(detail).includes('TWCE400004'));
        return found.length > 0 ? found : null;
      }, 'the warning line');
      await new Promise((r) => setTimeout(r, 300));
      expect(warn.mock.calls.filter(([detail]) => JSON.stringify(detail).includes('TWCE400004'))).toHaveLength(1);
      expect(lines[0][0]).toMatchObject({ state: 'review', receipt: 'TWCE400004', amount: AMOUNT, paymentId: first.id, phone: expect.stringContaining('*') });
      expect(String(lines[0][1])).toMatch(/refund/i);
      const logged = JSON.stringify(warn.mock.calls);
      expect(logged).not.toContain(phone);
      expect(logged).not.toContain(phone.slice(3));
    } finally {
      warn.mockRestore();
    }
    const after = await flow.payment(first.id);
    expect(after).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(after.events!.find((e) => e.type === 'refund-due')!.detail).toMatchObject({ receipt: 'TWCE400004', amount: AMOUNT, paidBy: retry.id });
    expect(await flow.payment(retry.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'PAID400004' });
    // No payment changed; the money owed back is counted as such.
    expect(await stats()).toEqual({ ...before, refundDueAmount: before.refundDueAmount + AMOUNT });
    expect((await flow.http.get('/api/receipts/TWCE400004', 'admin')).body).toMatchObject({ state: 'refund-due', paymentId: first.id, referralId });
  });

  it('keeps for review, changing nothing, the late success of an expired payment whose referral was cancelled meanwhile', async () => {
    const { referralId, payment } = await accepted(null, newReferral('254712400005'));
    expect((await flow.finalPayment(payment.id, 20_000)).status).toBe('failed');
    await flow.http.patch(`/api/referrals/${referralId}/status`, { status: 'cancelled', reason: 'patient went elsewhere' }).expect(200);

    await success(payment, 'CNCL400005');
    const row = await callbackRow(payment.stkRequestId!);
    expect(row).toMatchObject({ state: 'review', payment_id: payment.id });
    expect(row.note).toMatch(/cancelled/);
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(await referral(referralId)).toMatchObject({ status: 'cancelled' });
  });

  it('never adds a receipt another payment already holds to a payment a status query completed', async () => {
    const { payment: holder } = await accepted(null, newReferral('254712400007'));
    await success(holder, 'HELD400007');
    await completed(holder.id);
    const { referralId, payment } = await accepted(FakeDaraja.final('0'), newReferral('254712400077'));
    expect(await flow.finalPayment(payment.id, 20_000)).toMatchObject({ status: 'completed', mpesaTransactionId: null });

    await success(payment, 'HELD400007');
    const row = await callbackRow(payment.stkRequestId!);
    expect(row).toMatchObject({ state: 'review', payment_id: payment.id });
    expect(row.note).toContain(`already pays payment ${holder.id}`);
    const after = await flow.payment(payment.id);
    expect(after).toMatchObject({ status: 'completed', mpesaTransactionId: null });
    expect(after.events!.some((e) => e.type === 'receipt-added')).toBe(false);
    expect(after.events!.find((e) => e.type === 'callback-conflict')!.detail).toMatchObject({ receipt: 'HELD400007', amount: AMOUNT });
    expect(await flow.payment(holder.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'HELD400007' });
    expect(await referral(referralId)).toMatchObject({ status: 'paid' });
  });

  it("keeps for review the late success of an expired payment while a retry's prompt is still pending", async () => {
    const { referralId, payment: first } = await accepted(null, newReferral('254712400008'));
    expect((await flow.finalPayment(first.id, 20_000)).status).toBe('failed');
    const { payment: retry } = await accepted(null, retryOf(referralId));
    await success(first, 'PEND400008');
    const row = await callbackRow(first.stkRequestId!);
    expect(row).toMatchObject({ state: 'review', payment_id: first.id });
    expect(row.note).toContain(`${retry.id}) is pending`);
    expect(await flow.payment(first.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(await referral(referralId)).toMatchObject({ status: 'pending-payment' });
  });

  it('keeps for review, changing nothing, a success callback for a payment a failure callback or an admin failed', async () => {
    const { referralId, payment: byCallback } = await accepted(null, newReferral('254712400006'));
    await post(failureCallback(byCallback.stkRequestId!, 1032, 'Request cancelled by user'));
    expect(await flow.finalPayment(byCallback.id)).toMatchObject({ status: 'failed', resultCode: '1032' });
    await success(byCallback, 'FLCB400006');
    expect(await callbackRow(byCallback.stkRequestId!)).toMatchObject({ state: 'review', note: expect.stringMatching(/failure callback/) });
    expect(await flow.payment(byCallback.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    // Its receipt is in review: the patient may have paid, so no retry until an admin decides.
    expect((await flow.http.get('/api/receipts/FLCB400006', 'admin')).body).toMatchObject({ state: 'review', paymentId: byCallback.id });
    expect((await flow.http.post(`/api/referrals/${referralId}/payments/retry`)).body).toMatchObject({ statusCode: 409, code: 'RECEIPT_UNDER_REVIEW', receipt: 'FLCB400006' });
    await flow.http.post('/api/receipts/FLCB400006/resolve', { action: 'dismiss', reason: 'the clinic refunded it in cash' }, 'admin').expect(200);

    const { payment: byAdmin } = await accepted(null, retryOf(referralId));
    await flow.http.post('/api/update-payment-status', { paymentId: byAdmin.id, status: 'failed', reason: 'patient says the prompt never came' }, 'admin').expect(200);
    await success(byAdmin, 'FLAD400006');
    expect(await callbackRow(byAdmin.stkRequestId!)).toMatchObject({ state: 'review', note: expect.stringMatching(/admin/) });
    expect(await flow.payment(byAdmin.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect(await referral(referralId)).toMatchObject({ status: 'pending-payment' });
  });
});
