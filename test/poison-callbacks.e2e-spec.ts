// Issue 13, item 7: poison callbacks. Odd values (a 60-character receipt, a 3,000-character
// ResultDesc, a long ResultCode, an unusual TransactionDate) are kept as received and applied; a
// callback that cannot be applied is set aside with its reason and never holds up the others.
import { CallbackIngestionService } from '../src/payments/callbacks/callback-ingestion.service';
import { PaymentSweeper } from '../src/payments/processors/payment-sweeper.service';
import { DEV_CALLBACK_PATH, failureCallback, successCallback } from './support/callbacks';
import { paymentFlow, PaymentBody } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

/** The simulator never calls back for this number: the test plays Daraja's callback. */
const NO_CALLBACK_PHONE = '254700000201';

describe('Poison callbacks', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({ role: 'all', env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', RECONCILE_FIRST_QUERY_S: '3600', SIMULATOR_CALLBACK_DELAY_MS: '100' } });
    flow = paymentFlow(t);
  });
  afterAll(() => t?.close());

  async function acceptedPayment(): Promise<{ referralId: string; payment: PaymentBody }> {
    const referralId = await flow.referralInPendingPayment(NO_CALLBACK_PHONE);
    const started = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
    expect(started.status).toBe(202);
    const payment = await waitFor(async () => {
      const p = await flow.payment(started.body.id);
      return p.stkRequestId ? p : null;
    }, 'the push to be accepted');
    return { referralId, payment };
  }

  const callbackRow = (checkoutRequestId: string) =>
    waitFor(async () => {
      const [row] = await t.dataSource.query('SELECT state, note, payment_id FROM mpesa_callbacks WHERE checkout_request_id = $1', [checkoutRequestId]);
      return row && row.state !== 'received' ? (row as { state: string; note: string | null; payment_id: string | null }) : null;
    }, `the callback for ${checkoutRequestId} to be processed`);

  it('applies a success callback with a 60-character receipt, keeping the receipt as received', async () => {
    const { referralId, payment } = await acceptedPayment();
    const receipt = 'R'.repeat(30) + '0123456789'.repeat(3);
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, receipt)).expect(200);
    expect(await flow.finalPayment(payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: receipt });
    expect(await callbackRow(payment.stkRequestId!)).toMatchObject({ state: 'applied', payment_id: payment.id });
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('paid');
  });

  it('applies a failure callback with a 3,000-character ResultDesc, kept whole', async () => {
    const { payment } = await acceptedPayment();
    const desc = 'Request cancelled by user. '.repeat(112).slice(0, 3000);
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(failureCallback(payment.stkRequestId!, 1032, desc)).expect(200);
    const done = await flow.finalPayment(payment.id);
    expect(done).toMatchObject({ status: 'failed', resultCode: '1032', resultDesc: desc });
    expect(await callbackRow(payment.stkRequestId!)).toMatchObject({ state: 'applied' });
  });

  it('applies a failure callback with a long ResultCode, kept as received', async () => {
    const { payment } = await acceptedPayment();
    const code = `SFC_IC${'9'.repeat(80)}`;
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(failureCallback(payment.stkRequestId!, code, 'The operator does not exist.')).expect(200);
    expect(await flow.finalPayment(payment.id)).toMatchObject({ status: 'failed', resultCode: code });
    expect(await callbackRow(payment.stkRequestId!)).toMatchObject({ state: 'applied' });
  });

  it.each([
    ['a date with separators', '2026-11-21 10:21:15'],
    ['a short number', 2026112110],
    ['an ISO string', '2026-11-21T10:21:15+03:00'],
  ])('keeps the receipt of a genuine success whose TransactionDate is %s', async (_name, date) => {
    const { referralId, payment } = await acceptedPayment();
    const receipt = `TD${Date.now().toString(36).toUpperCase()}`.slice(0, 10);
    const body = successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, receipt);
    (body.Body.stkCallback.CallbackMetadata.Item[3] as { Value: unknown }).Value = date;
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(body).expect(200);
    expect(await flow.finalPayment(payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: receipt });
    expect(await callbackRow(payment.stkRequestId!)).toMatchObject({ state: 'applied' });
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('paid');
  });

  it('stores a success callback with a 5,000-character CheckoutRequestID and dismisses it: Daraja never issues such an id', async () => {
    const { payment } = await acceptedPayment();
    const hugeId = `ws_CO_${'9'.repeat(4994)}`;
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(hugeId, payment.amount, payment.phoneNumber, 'HUGEID0001')).expect(200);
    const indexed = hugeId.slice(0, 100);
    await waitFor(async () => (await t.dataSource.query('SELECT state FROM mpesa_callbacks WHERE checkout_request_id = $1', [indexed]))[0]?.state === 'unmatched', 'the callback to be judged');
    await t.app.get(PaymentSweeper).sweep();
    const [row] = await t.dataSource.query('SELECT state, note, raw_body FROM mpesa_callbacks WHERE checkout_request_id = $1', [indexed]);
    expect(row.state).toBe('dismissed');
    expect(row.note).toMatch(/forged/);
    expect(JSON.parse(row.raw_body).Body.stkCallback.CheckoutRequestID).toBe(hugeId);
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });
  });

  it("never lets a poison callback fail the sweeper's batch: the others are applied", async () => {
    const poisoned = await acceptedPayment();
    const good = await acceptedPayment();
    // Stored only (as if the API process died before applying them): the sweeper must apply them.
    const ingestion = t.app.get(CallbackIngestionService);
    const store = (body: object, id: string) => ingestion.store(JSON.stringify(body), body, id, '127.0.0.1');
    await store(successCallback(poisoned.payment.stkRequestId!, poisoned.payment.amount, poisoned.payment.phoneNumber, 'P'.repeat(60)), poisoned.payment.stkRequestId!);
    await store(successCallback(good.payment.stkRequestId!, good.payment.amount, good.payment.phoneNumber, 'GOODRCPT01'), good.payment.stkRequestId!);
    await t.dataSource.query(`UPDATE mpesa_callbacks SET received_at = now() - interval '1 minute'`);

    await t.app.get(PaymentSweeper).sweep();
    expect(await flow.payment(good.payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'GOODRCPT01' });
    expect(await flow.payment(poisoned.payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'P'.repeat(60) });
  });

  it('sets aside, with its reason, a callback that cannot be applied, and applies the rest', async () => {
    const stuck = await acceptedPayment();
    const good = await acceptedPayment();
    // Whatever the cause (here a trigger refusing that one payment's update), the callback must not wait for ever.
    await t.dataSource.query(`CREATE OR REPLACE FUNCTION refuse_test_payment() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = '${stuck.payment.id}' THEN RAISE EXCEPTION 'value too long for type character varying(40)' USING ERRCODE = '22001'; END IF; RETURN NEW; END $$`);
    await t.dataSource.query(`CREATE TRIGGER refuse_test_payment BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION refuse_test_payment()`);
    try {
      const ingestion = t.app.get(CallbackIngestionService);
      const store = (body: object, id: string) => ingestion.store(JSON.stringify(body), body, id, '127.0.0.1');
      await store(successCallback(stuck.payment.stkRequestId!, stuck.payment.amount, stuck.payment.phoneNumber, 'STUCKRCPT1'), stuck.payment.stkRequestId!);
      await store(successCallback(good.payment.stkRequestId!, good.payment.amount, good.payment.phoneNumber, 'GOODRCPT02'), good.payment.stkRequestId!);
      await t.dataSource.query(`UPDATE mpesa_callbacks SET received_at = now() - interval '1 minute' WHERE state = 'received'`);

      await t.app.get(PaymentSweeper).sweep();
      expect(await flow.payment(good.payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'GOODRCPT02' });
      const [row] = await t.dataSource.query('SELECT state, note, apply_failures FROM mpesa_callbacks WHERE checkout_request_id = $1', [stuck.payment.stkRequestId]);
      expect(row).toMatchObject({ state: 'set-aside', note: expect.stringMatching(/could not be applied.*value too long/), apply_failures: 1 });
      expect(await flow.payment(stuck.payment.id)).toMatchObject({ status: 'pending', mpesaTransactionId: null });
    } finally {
      await t.dataSource.query('DROP TRIGGER refuse_test_payment ON payments');
    }
  });
});
