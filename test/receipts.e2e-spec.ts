// Issue 13, Receipts: every receipt a success callback brings is a Receipt, recorded in the
// callback's own transaction, in the state its verdict gives it (applied, unmatched, review,
// refund-due, dismissed); admins list, read and resolve them (attach by the evidence rules, or
// dismiss); money under review holds up new pushes of that phone and amount; the stats sum it.
// Daraja is a fake that decides each push's and each query's answer; the tests play the callbacks.
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/database-setup';
import { DEV_CALLBACK_PATH, failureCallback, successCallback } from './support/callbacks';
import { FakeDaraja, QueryAnswer } from './support/fake-daraja';
import { paymentFlow, PaymentBody } from './support/payment-flow';
import { createTestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const AMOUNT = 1000;
const PROCESSING: QueryAnswer = { status: 500, body: { requestId: 'fake', errorCode: '500.001.1001', errorMessage: 'The transaction is being processed' } };

interface ReceiptBody {
  receipt: string;
  amount: number;
  phoneNumber: string | null;
  checkoutRequestId: string | null;
  paidAt: string | null;
  source: string;
  paymentId: string | null;
  referralId: string | null;
  state: string;
  reason: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
  verification?: { status: string; amount: number | null } | null;
  events?: { at: string; type: string; fromState: string | null; toState: string | null; source: string; detail: Record<string, unknown> }[];
}

interface Stats {
  reviewAmount: number;
  refundDueAmount: number;
  refundedAmount: number;
}

describe('Receipts', () => {
  let fake: FakeDaraja;
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  /** What a status query answers, by CheckoutRequestID. */
  const answers = new Map<string, QueryAnswer>();
  /** CheckoutRequestIDs Daraja issued for callbacks the tests play (no push of ours got them). */
  const issued = new Set<string>();
  let serial = 0;

  beforeAll(async () => {
    fake = await FakeDaraja.start();
    fake.queryAnswer = (id) => answers.get(id) ?? (issued.has(id) ? FakeDaraja.final('0') : fake.pushes.some((p) => p.checkoutRequestId === id) ? PROCESSING : FakeDaraja.unknownId());
    t = await startTestApp({
      role: 'all',
      // Sweeps (and confirmations by STK Push Query) every second; a push's first status query after a second.
      env: { MPESA_BASE_URL: fake.url, RECONCILE_INTERVAL_S: '1', RECONCILE_FIRST_QUERY_S: '1', REFERRAL_FEE_KES: String(AMOUNT), RATE_LIMIT_PER_MINUTE: '0' },
    });
    flow = paymentFlow(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const http = () => flow.http;
  const receiptNo = (prefix: string) => `${prefix}${String(++serial).padStart(10 - prefix.length, '0')}`;
  const post = (body: object) => flow.http.raw.post(DEV_CALLBACK_PATH).send(body).expect(200);
  const getReceipt = async (receipt: string) => (await http().get(`/api/receipts/${receipt}`, 'admin')).body as ReceiptBody;
  const receiptIn = (receipt: string, state: string) =>
    waitFor(async () => {
      const res = await http().get(`/api/receipts/${receipt}`, 'admin');
      return res.status === 200 && res.body.state === state ? (res.body as ReceiptBody) : null;
    }, `receipt ${receipt} to be ${state}`, 20_000);
  const resolve = (receipt: string, body: object, role: 'admin' | 'staff' = 'admin') => http().post(`/api/receipts/${receipt}/resolve`, body, role);
  const stats = async (query = '') => (await http().get(`/api/payments/stats${query}`, 'admin')).body as Stats & Record<string, number>;

  /** A referral whose first payment Daraja accepted (its status query answering `answer`, or still processing). */
  async function accepted(phone: string, answer: QueryAnswer | null = null, start?: () => Promise<string>): Promise<{ referralId: string; payment: PaymentBody }> {
    fake.pushMode = 'hold';
    const referralId = await (start ?? (() => flow.referralInPendingPayment(phone)))();
    // This payment's own push, by its AccountReference: a push another test started may arrive meanwhile.
    const [newest] = await flow.paymentsOf(referralId);
    const push = await waitFor(async () => fake.pushes.find((p) => p.body.AccountReference === newest.accountReference) ?? null, `the push of payment ${newest.id}`);
    if (answer) answers.set(push.checkoutRequestId, answer);
    push.accept();
    const payment = await waitFor(async () => {
      const [newest] = await flow.paymentsOf(referralId);
      return newest?.stkRequestId === push.checkoutRequestId ? newest : null;
    }, 'the push to be accepted');
    return { referralId, payment };
  }

  /** A confirmed success callback that no push of ours could have sent: its receipt is unmatched. */
  async function unmatched(phone: string, receipt: string, amount = AMOUNT): Promise<ReceiptBody> {
    const checkoutRequestId = `ws_CO_ISSUED_${receipt}`;
    issued.add(checkoutRequestId);
    await post(successCallback(checkoutRequestId, amount, phone, receipt));
    return receiptIn(receipt, 'unmatched');
  }

  /** A referral moved to pending-payment (AUTO_STK_ON_PENDING_PAYMENT is on: its push starts unless a receipt holds it up). */
  async function referralAwaitingPayment(phone: string, amount = AMOUNT): Promise<string> {
    const created = await http().post('/api/referrals', { patientName: 'Receipt Patient', amount }).expect(201);
    await http().patch(`/api/referrals/${created.body.id}/status`, { status: 'awaiting-biodata' }, 'admin').expect(200);
    await http().patch(`/api/referrals/${created.body.id}/status`, { status: 'pending-payment', stkPhoneNumber: phone }).expect(200);
    return created.body.id as string;
  }

  it('records the receipt of a success callback that completes its payment as applied, with its history', async () => {
    const phone = '254712700001';
    const { referralId, payment } = await accepted(phone);
    const receipt = receiptNo('RAPP');
    await post(successCallback(payment.stkRequestId!, AMOUNT, phone, receipt));

    const applied = await receiptIn(receipt, 'applied');
    expect(applied).toMatchObject({
      receipt,
      amount: AMOUNT,
      phoneNumber: phone,
      checkoutRequestId: payment.stkRequestId,
      paidAt: '20261121102115',
      source: 'callback',
      paymentId: payment.id,
      referralId,
      reason: null,
      resolvedBy: null,
    });
    expect(applied.events).toEqual([expect.objectContaining({ type: 'recorded', fromState: null, toState: 'applied', source: 'callback' })]);
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: receipt });
    const [row] = await t.dataSource.query('SELECT count(*)::int AS n FROM receipt_events WHERE receipt = $1', [receipt]);
    expect(row.n).toBe(1);
  });

  it('keeps a confirmed callback no payment could have sent as unmatched: one warning line, phone masked; it withholds pushes of that phone and amount until dismissed', async () => {
    const phone = '254712700002';
    const receipt = receiptNo('RUNM');
    const before = await stats();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    let found: ReceiptBody;
    try {
      found = await unmatched('0712700002', receipt);
      // Sweeps judge it again meanwhile: still one line.
      await new Promise((r) => setTimeout(r, 2500));
      const lines = warn.mock.calls.filter(([detail]) => JSON.stringify(detail).includes(receipt));
      expect(lines).toHaveLength(1);
      expect(lines[0][0]).toMatchObject({ receipt, amount: AMOUNT, phone: '*********002', receiptState: 'unmatched' });
      expect(JSON.stringify(warn.mock.calls)).not.toContain(phone);
    } finally {
      warn.mockRestore();
    }
    expect(found).toMatchObject({ state: 'unmatched', phoneNumber: phone, paymentId: null, amount: AMOUNT, reason: expect.stringMatching(/no push of this phone and amount/) });
    expect((await stats()).reviewAmount).toBe(before.reviewAmount + AMOUNT);

    // The automatic push: the referral moves, no payment starts, and the receipt (and one warning line) say which referral it holds up.
    const withheld = jest.spyOn(Logger.prototype, 'warn');
    let referralId: string;
    try {
      referralId = await referralAwaitingPayment('0712700002');
      const lines = await waitFor(async () => {
        const found = withheld.mock.calls.filter(([detail]) => (detail as { referralId?: string }).referralId === referralId);
        return found.length > 0 ? found : null;
      }, 'the withheld-push warning');
      expect(lines).toHaveLength(1);
      expect(lines[0][0]).toMatchObject({ receipt, phone: '*********002', receiptState: 'unmatched' });
      expect(JSON.stringify(withheld.mock.calls)).not.toContain(phone);
    } finally {
      withheld.mockRestore();
    }
    expect((await http().get(`/api/referrals/${referralId}`)).body).toMatchObject({ status: 'pending-payment', stkSentCount: 0 });
    expect(await flow.paymentsOf(referralId)).toEqual([]);
    expect((await getReceipt(receipt)).events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'payment-withheld', source: 'api', detail: expect.objectContaining({ referralId }) })]),
    );
    // By hand, either route: 409 naming the receipt.
    const started = await http().post(`/api/referrals/${referralId}/payments`, {});
    expect(started.status).toBe(409);
    expect(started.body).toMatchObject({ statusCode: 409, code: 'RECEIPT_UNDER_REVIEW', receipt, message: expect.any(String) });
    expect(started.body.message).not.toContain(phone);
    const direct = await http().post('/api/mpesa/stk-push', { phoneNumber: phone, amount: AMOUNT, referralId });
    expect(direct.body).toMatchObject({ statusCode: 409, code: 'RECEIPT_UNDER_REVIEW', receipt });
    // Another amount is other money: not held up, the automatic push starts.
    const other = await referralAwaitingPayment('0712700002', AMOUNT + 1);
    expect((await flow.onlyPayment(other)).amount).toBe(AMOUNT + 1);

    // Dismissed (with a reason), it no longer holds anything up.
    const dismissed = await resolve(receipt, { action: 'dismiss', reason: 'the patient paid for another clinic; not ours' });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ receipt, state: 'dismissed', resolvedBy: 'admin', reason: 'the patient paid for another clinic; not ours', resolvedAt: expect.any(String) });
    expect((await getReceipt(receipt)).events!.at(-1)).toMatchObject({ type: 'dismissed', fromState: 'unmatched', toState: 'dismissed', source: 'admin', detail: { role: 'admin', reason: 'the patient paid for another clinic; not ours' } });
    expect((await stats()).reviewAmount).toBe(before.reviewAmount);
    // Its callback is closed with the decision: no sweep judges it again.
    const [callback] = await t.dataSource.query(`SELECT state, note FROM mpesa_callbacks WHERE checkout_request_id = $1`, [`ws_CO_ISSUED_${receipt}`]);
    expect(callback).toMatchObject({ state: 'dismissed', note: expect.stringMatching(/dismissed by an admin/) });
    expect((await http().post(`/api/referrals/${referralId}/payments`, {})).status).toBe(202);
  });

  it('keeps a masked phone as null and an odd TransactionDate as received', async () => {
    const receipt = receiptNo('RODD');
    const checkoutRequestId = `ws_CO_ISSUED_${receipt}`;
    issued.add(checkoutRequestId);
    const body = successCallback(checkoutRequestId, 777, '254712700020', receipt);
    const items = body.Body.stkCallback.CallbackMetadata.Item as { Name: string; Value?: unknown }[];
    for (const item of items) {
      if (item.Name === 'PhoneNumber') item.Value = '2547*****020';
      if (item.Name === 'TransactionDate') item.Value = '21/11/2026 10:21:15';
    }
    await post(body);
    expect(await receiptIn(receipt, 'unmatched')).toMatchObject({ phoneNumber: null, paidAt: '21/11/2026 10:21:15', amount: 777, reason: expect.stringMatching(/masked/) });
  });

  it('answers 409 RECEIPT_UNDER_REVIEW to retries while such a receipt waits; attaching it to a payment a failure callback failed is refused by the rules', async () => {
    const phone = '254712700004';
    const { referralId, payment } = await accepted(phone);
    await post(failureCallback(payment.stkRequestId!, 1032, 'Request cancelled by user'));
    expect(await flow.finalPayment(payment.id)).toMatchObject({ status: 'failed', resultCode: '1032' });
    const receipt = receiptNo('RRTY');
    await unmatched(phone, receipt);

    for (const path of [`/api/payments/${payment.id}/retry`, `/api/referrals/${referralId}/payments/retry`]) {
      const res = await http().post(path);
      expect({ path, status: res.status, code: res.body.code, receipt: res.body.receipt }).toEqual({ path, status: 409, code: 'RECEIPT_UNDER_REVIEW', receipt });
    }
    const refused = await resolve(receipt, { action: 'attach', paymentId: payment.id, reason: 'patient says this is the one' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ statusCode: 409, code: 'RECEIPT_NOT_ATTACHABLE', rule: 'conflict', paymentId: payment.id });
    expect(refused.body.message).toMatch(/failure callback/);
    expect(await getReceipt(receipt)).toMatchObject({ state: 'unmatched', paymentId: null, resolvedBy: null });
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });

    expect((await resolve(receipt, { action: 'dismiss', reason: 'refunded by the clinic in cash' })).status).toBe(200);
    expect((await http().post(`/api/payments/${payment.id}/retry`)).status).toBe(202);
  });

  it('attach by an admin completes the pending payment and pays the referral, recorded with the role and reason; the receipt then pays no other payment', async () => {
    const phone = '254712700005';
    const { referralId, payment } = await accepted(phone);
    const receipt = receiptNo('RATT');
    await unmatched(phone, receipt);
    const reason = 'patient showed the SMS; the callback came under another CheckoutRequestID';

    const res = await resolve(receipt, { action: 'attach', paymentId: payment.id, reason });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ receipt, state: 'applied', paymentId: payment.id, referralId, resolvedBy: 'admin', reason, resolvedAt: expect.any(String) });
    const done = await flow.payment(payment.id);
    expect(done).toMatchObject({ status: 'completed', mpesaTransactionId: receipt });
    expect(done.events!.find((e) => e.type === 'receipt-attached')).toMatchObject({
      fromStatus: 'pending',
      toStatus: 'completed',
      source: 'admin',
      detail: expect.objectContaining({ receipt, reason, role: 'admin' }),
    });
    expect((await http().get(`/api/referrals/${referralId}`)).body).toMatchObject({ status: 'paid', paidAt: expect.any(String) });
    expect((await getReceipt(receipt)).events!.map((e) => [e.type, e.fromState, e.toState, e.source])).toEqual([
      ['recorded', null, 'unmatched', 'callback'],
      ['attached', 'unmatched', 'applied', 'admin'],
    ]);

    // Never on two payments: not attachable again, and not by a manual update of another payment.
    const again = await resolve(receipt, { action: 'attach', paymentId: payment.id, reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'RECEIPT_NOT_RESOLVABLE', state: 'applied' });
    const other = await accepted('254712700006');
    const manual = await http().post('/api/update-payment-status', { paymentId: other.payment.id, status: 'completed', mpesaTransactionId: receipt, reason: 'wrong receipt typed' }, 'admin');
    expect(manual.status).toBe(409);
    expect(manual.body).toMatchObject({ code: 'RECEIPT_ALREADY_USED', paymentId: payment.id });
    expect(await flow.payment(other.payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });
  });

  it("refuses an admin's attach that would correct a failed payment with a receipt M-Pesa has not confirmed (rule verification); once verified, it corrects it", async () => {
    const phone = '254712700021';
    const { referralId, payment } = await accepted(phone, FakeDaraja.final('1032', 'Request cancelled by user'));
    expect(await flow.finalPayment(payment.id)).toMatchObject({ status: 'failed', resultCode: '1032' });
    const receipt = receiptNo('RVER');
    await unmatched(phone, receipt);

    const refused = await resolve(receipt, { action: 'attach', paymentId: payment.id, reason: 'patient showed the SMS' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'RECEIPT_NOT_ATTACHABLE', rule: 'verification', paymentId: payment.id });
    expect(refused.body.message).toContain(`POST /api/receipts/${receipt}/verify`);
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });

    fake.ledger.set(receipt, { amount: AMOUNT, msisdn: phone });
    expect((await http().post(`/api/receipts/${receipt}/verify`, {}, 'admin')).status).toBe(202);
    await waitFor(async () => (await getReceipt(receipt)).verification?.status === 'confirmed', `receipt ${receipt} to be verified`, 20_000);
    const res = await resolve(receipt, { action: 'attach', paymentId: payment.id, reason: 'patient showed the SMS; M-Pesa confirms it' });
    expect(res.status).toBe(200);
    const done = await flow.payment(payment.id);
    expect(done).toMatchObject({ status: 'completed', mpesaTransactionId: receipt });
    expect(done.events!.find((e) => e.type === 'status-corrected')).toMatchObject({ fromStatus: 'failed', toStatus: 'completed', source: 'admin' });
    expect((await http().get(`/api/referrals/${referralId}`)).body).toMatchObject({ status: 'paid' });
  });

  it('a manual update with an unmatched receipt applies that receipt to the payment it completes', async () => {
    const phone = '254712700007';
    const { payment } = await accepted(phone);
    const receipt = receiptNo('RMAN');
    await unmatched(phone, receipt);
    const res = await http().post('/api/update-payment-status', { paymentId: payment.id, status: 'completed', mpesaTransactionId: receipt, reason: 'SMS seen at the desk' }, 'admin');
    expect(res.status).toBe(200);
    const applied = await getReceipt(receipt);
    expect(applied).toMatchObject({ state: 'applied', paymentId: payment.id, resolvedBy: 'admin', reason: 'SMS seen at the desk' });
    expect(applied.events!.at(-1)).toMatchObject({ type: 'applied-by-admin', fromState: 'unmatched', toState: 'applied', source: 'admin' });
  });

  it('puts the receipt of an amount mismatch in review with the reason; the rules refuse to attach it to a payment of another amount', async () => {
    const phone = '254712700008';
    const { payment } = await accepted(phone);
    const receipt = receiptNo('RREV');
    const before = await stats();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      await post(successCallback(payment.stkRequestId!, 500, phone, receipt));
      await receiptIn(receipt, 'review');
      await waitFor(async () => warn.mock.calls.some(([detail]) => JSON.stringify(detail).includes(receipt)), 'the warning line');
      expect(warn.mock.calls.filter(([detail]) => JSON.stringify(detail).includes(receipt))).toHaveLength(1);
      expect(JSON.stringify(warn.mock.calls)).not.toContain(phone);
    } finally {
      warn.mockRestore();
    }
    const review = await getReceipt(receipt);
    expect(review).toMatchObject({ state: 'review', amount: 500, paymentId: payment.id, reason: expect.stringMatching(/Amount mismatch/) });
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });
    expect((await stats()).reviewAmount).toBe(before.reviewAmount + 500);

    const pending = await accepted('254712700009');
    const refused = await resolve(receipt, { action: 'attach', paymentId: pending.payment.id, reason: 'try' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'RECEIPT_NOT_ATTACHABLE', rule: 'amount-mismatch', paymentId: pending.payment.id });
    expect(await flow.payment(pending.payment.id)).toMatchObject({ status: 'pending' });
    // KES 500 under review does not hold up a retry of KES 1000.
    expect((await http().post(`/api/payments/${payment.id}/retry`)).status).toBe(202);
  });

  it('keeps the late success of a payment a status query failed, once a retry paid the referral, as refund-due; dismissing it takes a reason', async () => {
    const phone = '254712700010';
    const first = await accepted(phone, FakeDaraja.final('1032', 'Request cancelled by user'));
    expect(await flow.finalPayment(first.payment.id)).toMatchObject({ status: 'failed', resultCode: '1032' });
    const retry = await accepted(phone, null, async () => {
      await http().post(`/api/payments/${first.payment.id}/retry`).expect(202);
      return first.referralId;
    });
    await post(successCallback(retry.payment.stkRequestId!, AMOUNT, phone, receiptNo('RPAY')));
    await waitFor(async () => (await flow.payment(retry.payment.id)).status === 'completed', 'the retry to complete');
    const before = await stats();

    const receipt = receiptNo('RRFD');
    await post(successCallback(first.payment.stkRequestId!, AMOUNT, phone, receipt));
    const due = await receiptIn(receipt, 'refund-due');
    expect(due).toMatchObject({ paymentId: first.payment.id, referralId: first.referralId, reason: expect.stringMatching(/^refund-due:/) });
    expect((await stats()).refundDueAmount).toBe(before.refundDueAmount + AMOUNT);
    expect(await flow.payment(first.payment.id)).toMatchObject({ status: 'failed', mpesaTransactionId: null });

    const noReason = await resolve(receipt, { action: 'dismiss' });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: expect.arrayContaining([expect.objectContaining({ field: 'reason' })]) });
    const refusedAttach = await resolve(receipt, { action: 'attach', paymentId: first.payment.id, reason: 'no' });
    expect(refusedAttach.body).toMatchObject({ statusCode: 409, code: 'RECEIPT_NOT_ATTACHABLE', rule: 'refund-due' });
    const dismissed = await resolve(receipt, { action: 'dismiss', reason: 'refunded through the M-Pesa portal by finance' });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ state: 'dismissed', resolvedBy: 'admin' });
    expect((await stats()).refundDueAmount).toBe(before.refundDueAmount);
  });

  it('dismisses the receipt of a forged callback, which then cannot be resolved', async () => {
    const phone = '254712700011';
    const receipt = receiptNo('RFRG');
    await post(successCallback(`ws_CO_FORGED_${receipt}`, AMOUNT, phone, receipt));
    const forged = await receiptIn(receipt, 'dismissed');
    expect(forged).toMatchObject({ paymentId: null, reason: expect.stringMatching(/forged/), resolvedBy: null });
    const { payment } = await accepted('254712700012');
    for (const body of [{ action: 'attach', paymentId: payment.id, reason: 'x' }, { action: 'dismiss', reason: 'x' }]) {
      const res = await resolve(receipt, body);
      expect({ status: res.status, code: res.body.code, state: res.body.state }).toEqual({ status: 409, code: 'RECEIPT_NOT_RESOLVABLE', state: 'dismissed' });
    }
  });

  it('two admins resolving one receipt at once: one 200, one 409, never a 500', async () => {
    // Rounds, since the sweeps judging the open callback again every second race them too.
    for (const [round, phone] of ['254712700013', '254712700018', '254712700019'].entries()) {
      const { payment } = await accepted(phone);
      const first = receiptNo('RCNC');
      await unmatched(phone, first);
      const answersA = await Promise.all([
        resolve(first, { action: 'attach', paymentId: payment.id, reason: 'admin one' }),
        resolve(first, { action: 'dismiss', reason: 'admin two' }),
      ]);
      expect({ round, statuses: answersA.map((r) => r.status).sort() }).toEqual({ round, statuses: [200, 409] });
      expect(answersA.find((r) => r.status === 409)!.body).toMatchObject({ code: 'RECEIPT_NOT_RESOLVABLE' });
      const winner = answersA.find((r) => r.status === 200)!.body as ReceiptBody;
      expect((await flow.payment(payment.id)).status).toBe(winner.state === 'applied' ? 'completed' : 'pending');
    }

    const second = receiptNo('RCNC');
    await unmatched('254712700014', second);
    const answersB = await Promise.all([1, 2, 3].map((n) => resolve(second, { action: 'dismiss', reason: `admin ${n}` })));
    expect(answersB.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const [events] = await t.dataSource.query(`SELECT count(*)::int AS n FROM receipt_events WHERE receipt = $1 AND source = 'admin'`, [second]);
    expect(events.n).toBe(1);
  });

  it('refuses what is not a resolution: 404 unknown, 400 without a reason or a paymentId, 403 for staff', async () => {
    const phone = '254712700015';
    const receipt = receiptNo('RVAL');
    await unmatched(phone, receipt);
    expect((await http().get('/api/receipts/NOSUCH0001', 'admin')).body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect((await resolve('NOSUCH0001', { action: 'dismiss', reason: 'x' })).status).toBe(404);
    for (const body of [{ action: 'attach', reason: 'x' }, { action: 'attach', paymentId: 'not-a-uuid', reason: 'x' }, { action: 'dismiss', reason: '   ' }, { action: 'refund', reason: 'x' }, { action: 'dismiss', reason: 'x', paymentId: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41' }, { action: 'dismiss', reason: 'x', extra: 1 }]) {
      const res = await resolve(receipt, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await resolve(receipt, { action: 'attach', paymentId: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41', reason: 'x' })).body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    for (const res of [await http().get('/api/receipts'), await http().get(`/api/receipts/${receipt}`), await resolve(receipt, { action: 'dismiss', reason: 'x' }, 'staff')]) {
      expect(res.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    }
    expect((await http().get('/api/receipts?state=lost', 'admin')).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await http().get('/api/receipts?phoneNumber=12', 'admin')).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(await getReceipt(receipt)).toMatchObject({ state: 'unmatched', resolvedBy: null });
  });

  it('lists receipts newest first, by state, phone number (any form) and createdAt, a page at a time', async () => {
    const phone = '254712700016';
    const older = receiptNo('RLST');
    await unmatched(phone, older);
    const newer = receiptNo('RLST');
    await unmatched(phone, newer);

    const list = async (query: string) => {
      const res = await http().get(`/api/receipts${query}`, 'admin');
      expect(res.status).toBe(200);
      return res.body as { items: ReceiptBody[]; nextCursor: string | null };
    };
    expect((await list('?phoneNumber=0712700016')).items.map((r) => r.receipt)).toEqual([newer, older]);
    expect((await list('?phoneNumber=%2B254712700016&state=unmatched')).items.map((r) => r.receipt)).toEqual([newer, older]);
    expect((await list('?phoneNumber=0712700016&state=applied')).items).toEqual([]);
    const all = await list('?limit=200');
    const times = all.items.map((r) => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const olderAt = (await getReceipt(older)).createdAt;
    expect((await list(`?phoneNumber=0712700016&to=${encodeURIComponent(olderAt)}`)).items).toEqual([]);
    expect((await list(`?phoneNumber=0712700016&from=${encodeURIComponent((await getReceipt(newer)).createdAt)}`)).items.map((r) => r.receipt)).toEqual([newer]);
    const page1 = await list('?phoneNumber=0712700016&limit=1');
    expect(page1.items.map((r) => r.receipt)).toEqual([newer]);
    const page2 = await list(`?phoneNumber=0712700016&limit=1&cursor=${page1.nextCursor}`);
    expect(page2).toEqual({ items: [expect.objectContaining({ receipt: older })], nextCursor: null });
  });

  it('stats sum the receipts by state over the same createdAt range', async () => {
    const direct = async (from?: string) => {
      const [row] = await t.dataSource.query(
        `SELECT coalesce(sum(amount) FILTER (WHERE state IN ('unmatched', 'review')), 0)::int AS "reviewAmount",
                coalesce(sum(amount) FILTER (WHERE state = 'refund-due'), 0)::int AS "refundDueAmount",
                coalesce(sum(amount) FILTER (WHERE state = 'refunded'), 0)::int AS "refundedAmount"
           FROM receipts WHERE $1::timestamptz IS NULL OR created_at >= $1`,
        [from ?? null],
      );
      return row as Stats;
    };
    await unmatched('254712700017', receiptNo('RSTA'));
    const whole = await stats();
    expect(whole.reviewAmount).toBeGreaterThanOrEqual(AMOUNT);
    expect({ reviewAmount: whole.reviewAmount, refundDueAmount: whole.refundDueAmount, refundedAmount: whole.refundedAmount }).toEqual(await direct());
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(await stats(`?from=${future}`)).toMatchObject({ reviewAmount: 0, refundDueAmount: 0, refundedAmount: 0 });
    const recent = new Date(Date.now() - 60_000).toISOString();
    expect(await stats(`?from=${recent}`)).toMatchObject(await direct(recent));
  });
});

describe('The receipts migration', () => {
  it('turns the judged success callbacks stored before it into receipts', async () => {
    const url = await createTestDatabase();
    const ds = new DataSource(buildDataSourceOptions(url));
    await ds.initialize();
    try {
      // Back to just before the receipts migration: later migrations are undone first.
      for (let i = 0; i < 10 && (await ds.query(`SELECT to_regclass('receipts') AS t`))[0].t !== null; i++) await ds.undoLastMigration();
      expect(await ds.query(`SELECT to_regclass('receipts') AS t`)).toEqual([{ t: null }]);
      const [referral] = await ds.query(`INSERT INTO referrals (patient_name, amount, status, stk_phone_number) VALUES ('Old Patient', 1000, 'pending-payment', '254712700090') RETURNING id`);
      const [paid] = await ds.query(
        `INSERT INTO payments (referral_id, phone_number, amount, status, push_state, stk_request_id, mpesa_transaction_id, completed_at) VALUES ($1, '254712700090', 1000, 'completed', 'accepted', 'ws_CO_OLD_1', 'OLDAPPLY01', now()) RETURNING id`,
        [referral.id],
      );
      const [failed] = await ds.query(`INSERT INTO payments (referral_id, phone_number, amount, status, push_state, stk_request_id) VALUES ($1, '254712700090', 1000, 'failed', 'accepted', 'ws_CO_OLD_2') RETURNING id`, [referral.id]);
      const callback = async (key: string, body: object, state: string, note: string | null, paymentId: string | null, confirmation: string | null = null) =>
        ds.query(`INSERT INTO mpesa_callbacks (dedupe_key, checkout_request_id, raw_body, state, note, payment_id, confirmation) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
          key,
          (body as { Body: { stkCallback: { CheckoutRequestID: string } } }).Body.stkCallback.CheckoutRequestID,
          JSON.stringify(body),
          state,
          note,
          paymentId,
          confirmation,
        ]);
      const odd = successCallback('ws_CO_OLD_5', 1000, '254712700091', 'OLDUNMT005') as { Body: { stkCallback: { CallbackMetadata: { Item: { Name: string; Value?: unknown }[] } } } };
      odd.Body.stkCallback.CallbackMetadata.Item = odd.Body.stkCallback.CallbackMetadata.Item.map((i) => (i.Name === 'TransactionDate' ? { ...i, Value: '2026-11-21 10:21' } : i));
      await callback('k1', successCallback('ws_CO_OLD_1', 1000, '254712700090', 'OLDAPPLY01'), 'applied', null, paid.id);
      await callback('k2', successCallback('ws_CO_OLD_2', 500, '254712700090', 'OLDREVW002'), 'review', 'Amount mismatch: M-Pesa reported KES 500 paid', failed.id);
      await callback('k3', successCallback('ws_CO_OLD_2', 1000, '254712700090', 'OLDRFND003'), 'review', 'refund-due: the referral was already paid', failed.id);
      await callback('k4', successCallback('ws_CO_OLD_4', 1000, '254712700092', 'OLDFRGD004'), 'dismissed', 'forged: Daraja does not know this CheckoutRequestID', null, 'unknown');
      await callback('k5', odd, 'unmatched', 'confirmed by Daraja, but no push of this phone and amount was in flight', null, 'known');
      // Not judged yet: the callback path records these when it judges them.
      await callback('k6', successCallback('ws_CO_OLD_6', 1000, '254712700093', 'OLDWAIT006'), 'unmatched', 'no push of ours was answered with this CheckoutRequestID; awaiting an STK Push Query', null, 'needed');
      await callback('k7', successCallback('ws_CO_OLD_7', 1000, '254712700094', 'OLDRCVD007'), 'received', null, null);
      await callback('k8', failureCallback('ws_CO_OLD_8', 1032, 'Request cancelled by user'), 'applied', null, failed.id);
      // A second delivery of an applied receipt: one receipt still.
      await callback('k9', successCallback('ws_CO_OLD_1', 1000, '254712700090', 'OLDAPPLY01'), 'duplicate', 'payment already completed', paid.id);

      // The receipts migration, then the later ones undone above.
      expect((await runMigrations(url))[0]).toBe('Receipts1796167200000');
      const rows = await ds.query(`SELECT receipt, amount, phone_number, paid_at, source, payment_id, referral_id, state, reason FROM receipts ORDER BY receipt`);
      expect(rows).toEqual([
        { receipt: 'OLDAPPLY01', amount: 1000, phone_number: '254712700090', paid_at: '20261121102115', source: 'callback', payment_id: paid.id, referral_id: referral.id, state: 'applied', reason: null },
        { receipt: 'OLDFRGD004', amount: 1000, phone_number: '254712700092', paid_at: '20261121102115', source: 'callback', payment_id: null, referral_id: null, state: 'dismissed', reason: expect.stringMatching(/forged/) },
        { receipt: 'OLDREVW002', amount: 500, phone_number: '254712700090', paid_at: '20261121102115', source: 'callback', payment_id: failed.id, referral_id: referral.id, state: 'review', reason: expect.stringMatching(/Amount mismatch/) },
        { receipt: 'OLDRFND003', amount: 1000, phone_number: '254712700090', paid_at: '20261121102115', source: 'callback', payment_id: failed.id, referral_id: referral.id, state: 'refund-due', reason: expect.stringMatching(/^refund-due:/) },
        { receipt: 'OLDUNMT005', amount: 1000, phone_number: '254712700091', paid_at: '2026-11-21 10:21', source: 'callback', payment_id: null, referral_id: null, state: 'unmatched', reason: expect.stringMatching(/confirmed/) },
      ]);
      const events = await ds.query(`SELECT receipt, type, from_state, to_state, source FROM receipt_events ORDER BY receipt`);
      expect(events).toHaveLength(5);
      expect(events.every((e: { type: string; source: string; from_state: string | null }) => e.type === 'recorded' && e.source === 'migration' && e.from_state === null)).toBe(true);
    } finally {
      await ds.destroy();
    }
  });
});
