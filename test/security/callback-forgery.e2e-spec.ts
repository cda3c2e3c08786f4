// Issue 8, Security: forged M-Pesa callbacks. A wrong token, the right token from outside the
// address allowlist, a forged X-Forwarded-For with and without a trusted proxy (TRUSTED_PROXIES),
// a genuine callback replayed under another payment's CheckoutRequestID, and success callbacks
// with another amount. None may complete a payment it should not; refused ones store nothing.
import { DEV_CALLBACK_PATH, failureCallback, successCallback } from '../support/callbacks';
import { paymentFlow, PaymentBody } from '../support/payment-flow';
import { rawRequest, RawResponse } from '../support/raw-http';
import { changedTables, stateFingerprint } from '../support/state-fingerprint';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const SAFARICOM = '196.201.214.200';
const SAFARICOM_LIST = '196.201.214.200,196.201.214.206,196.201.213.114,196.201.214.207,196.201.214.208,196.201.213.44,196.201.212.127,196.201.212.138,196.201.212.129,196.201.212.136,196.201.212.74,196.201.212.69';
/** The simulator never calls back for this number, so the payment stays pending until we do. */
const NO_CALLBACK_PHONE = '254700000201';
const BASE_ENV = { AUTO_STK_ON_PENDING_PAYMENT: 'false', SIMULATOR_CALLBACK_DELAY_MS: '100', RECONCILE_FIRST_QUERY_S: '3600', RATE_LIMIT_PER_MINUTE: '0' };

function helpers(t: TestApp) {
  const flow = paymentFlow(t);

  /** A pending payment whose push Daraja (the simulator) accepted: it has a CheckoutRequestID. */
  async function acceptedPendingPayment(phone = NO_CALLBACK_PHONE): Promise<{ referralId: string; payment: PaymentBody }> {
    const referralId = await flow.referralInPendingPayment(phone);
    const started = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
    if (started.status !== 202) throw new Error(`start payment: ${started.status} ${JSON.stringify(started.body)}`);
    const payment = await waitFor(async () => {
      const p = await flow.payment(started.body.id);
      return p.stkRequestId ? p : null;
    }, 'the simulator to accept the push');
    return { referralId, payment };
  }

  const postCallback = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> =>
    rawRequest(t.baseUrl, { method: 'POST', path, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

  /** The callback row for a CheckoutRequestID once it has been processed. */
  const processed = (checkoutRequestId: string) =>
    waitFor(async () => {
      const [row] = await t.dataSource.query(`SELECT state, note, payment_id, source_ip FROM mpesa_callbacks WHERE checkout_request_id = $1 ORDER BY received_at DESC LIMIT 1`, [checkoutRequestId]);
      return row && row.state !== 'received' ? (row as { state: string; note: string | null; payment_id: string | null; source_ip: string | null }) : null;
    }, `the callback for ${checkoutRequestId} to be processed`);

  async function expectUnpaid(referralId: string, paymentId: string, status: 'pending' | 'failed' = 'pending') {
    const payment = await flow.payment(paymentId);
    expect(payment.status).toBe(status);
    expect(payment.mpesaTransactionId).toBeNull();
    const referral = (await flow.http.get(`/api/referrals/${referralId}`)).body;
    expect(referral).toMatchObject({ status: 'pending-payment', paidAt: null });
  }

  return { flow, acceptedPendingPayment, postCallback, processed, expectUnpaid };
}

describe('Callback forgery', () => {
  describe('token, replay and amount (no allowlist)', () => {
    let t: TestApp;
    let h: ReturnType<typeof helpers>;
    beforeAll(async () => {
      t = await startTestApp({ role: 'all', env: BASE_ENV });
      h = helpers(t);
    });
    afterAll(() => t.close());

    it.each([
      ['a guessed token', '/api/stk-callback/guessed-token-000000'],
      ['the token with one character changed', '/api/stk-callback/dev-callback-tokeN'],
      ['the token with a suffix', '/api/stk-callback/dev-callback-token-x'],
      ['the token in capitals', '/api/stk-callback/DEV-CALLBACK-TOKEN'],
      ['no token', '/api/stk-callback'],
      ['an empty token', '/api/stk-callback/'],
      ['the token one level too deep', '/api/stk-callback/x/dev-callback-token'],
      ['the token as a query parameter', '/api/stk-callback/x?token=dev-callback-token'],
      ['an encoded traversal to the token', '/api/stk-callback/x%2F..%2Fdev-callback-token'],
      ['a malformed escape', '/api/stk-callback/%E0%A4%A'],
    ])('refuses %s with 404, stores nothing and completes nothing', async (_name, path) => {
      const { referralId, payment } = await h.acceptedPendingPayment();
      const before = await stateFingerprint(t.dataSource);
      const res = await h.postCallback(path, successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, 'FRG0000001'));
      expect(res.status).toBe(404);
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
      await h.expectUnpaid(referralId, payment.id);
    });

    it('does not let a genuine success callback, replayed under another payment, pay that one', async () => {
      const paid = await h.acceptedPendingPayment();
      const victim = await h.acceptedPendingPayment();
      const genuine = successCallback(paid.payment.stkRequestId!, paid.payment.amount, paid.payment.phoneNumber, 'RPL0000001');
      expect((await h.postCallback(DEV_CALLBACK_PATH, genuine)).status).toBe(200);
      expect(await h.flow.finalPayment(paid.payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: 'RPL0000001' });
      // Same phone, same amount, same receipt: only the CheckoutRequestID is swapped.
      const replay = JSON.parse(JSON.stringify(genuine));
      replay.Body.stkCallback.CheckoutRequestID = victim.payment.stkRequestId;
      expect((await h.postCallback(DEV_CALLBACK_PATH, replay)).status).toBe(200);
      expect(await h.processed(victim.payment.stkRequestId!)).toMatchObject({ state: 'review', note: expect.stringContaining('RPL0000001') });
      await h.expectUnpaid(victim.referralId, victim.payment.id);
    });

    it('does not let the simulator\'s own callback, replayed under another payment, pay that one', async () => {
      // A genuine callback as Daraja shapes it, for a payment the simulator really settled.
      const referralId = await h.flow.referralInPendingPayment('0712700001');
      const started = (await h.flow.http.post(`/api/referrals/${referralId}/payments`, {})).body;
      const settled = await h.flow.finalPayment(started.id);
      expect(settled.status).toBe('completed');
      const [{ raw_body: raw }] = await t.dataSource.query(`SELECT raw_body FROM mpesa_callbacks WHERE checkout_request_id = $1`, [settled.stkRequestId]);
      const victim = await h.acceptedPendingPayment();
      const replay = JSON.parse(raw);
      replay.Body.stkCallback.CheckoutRequestID = victim.payment.stkRequestId;
      expect((await h.postCallback(DEV_CALLBACK_PATH, replay)).status).toBe(200);
      expect((await h.processed(victim.payment.stkRequestId!)).state).toBe('review');
      await h.expectUnpaid(victim.referralId, victim.payment.id);
    });

    it('lets a replay of the same callback, or a contradicting one, change nothing', async () => {
      const { referralId, payment } = await h.acceptedPendingPayment();
      const genuine = successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, 'RPL0000002');
      await h.postCallback(DEV_CALLBACK_PATH, genuine);
      const done = await h.flow.finalPayment(payment.id);
      await h.processed(payment.stkRequestId!);
      const referralBefore = (await h.flow.http.get(`/api/referrals/${referralId}`)).body;
      const failure = failureCallback(payment.stkRequestId!, 1032, 'Request cancelled by user');
      for (const body of [genuine, genuine, failure]) expect((await h.postCallback(DEV_CALLBACK_PATH, body)).status).toBe(200);
      await waitFor(async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM mpesa_callbacks WHERE state = 'received'`))[0].n === 0, 'the replays to be processed');
      // The contradicting failure is kept for review (and noted in the history); nothing else moves.
      const after = await h.flow.payment(payment.id);
      expect(after).toMatchObject({ status: 'completed', mpesaTransactionId: 'RPL0000002', updatedAt: done.updatedAt, completedAt: (done as PaymentBody & { completedAt: string }).completedAt });
      expect((await h.flow.http.get(`/api/referrals/${referralId}`)).body).toEqual(referralBefore);
    });

    it.each([
      ['one shilling less', (amount: number) => amount - 1],
      ['a single shilling', () => 1],
      ['a fraction less', (amount: number) => amount - 0.5],
      ['more', (amount: number) => amount + 1],
      ['the amount as a negative number', (amount: number) => -amount],
    ])('fails instead of completing a payment whose success callback pays %s', async (_name, paidAmount) => {
      const { referralId, payment } = await h.acceptedPendingPayment();
      const forged = successCallback(payment.stkRequestId!, paidAmount(payment.amount), payment.phoneNumber, `AMT${String(Date.now()).slice(-7)}`);
      expect((await h.postCallback(DEV_CALLBACK_PATH, forged)).status).toBe(200);
      // Kept for review and the payment failed with the mismatch named, or, for an amount that is
      // no amount at all, kept as invalid with the payment left to the status query.
      const { state } = await h.processed(payment.stkRequestId!);
      expect(['review', 'invalid']).toContain(state);
      const after = await h.flow.payment(payment.id);
      if (state === 'review') expect(after.errorMessage).toContain(`KES ${payment.amount}`);
      await h.expectUnpaid(referralId, payment.id, state === 'review' ? 'failed' : 'pending');
    });
  });

  describe('source allowlist without a trusted proxy', () => {
    let t: TestApp;
    let h: ReturnType<typeof helpers>;
    beforeAll(async () => {
      t = await startTestApp({ role: 'all', env: { ...BASE_ENV, MPESA_CALLBACK_ALLOWED_IPS: SAFARICOM_LIST } });
      h = helpers(t);
    });
    afterAll(() => t.close());

    it.each([
      ['no forwarding header', {}],
      ['X-Forwarded-For: a Safaricom address', { 'X-Forwarded-For': SAFARICOM }],
      ['X-Forwarded-For: a Safaricom address last', { 'X-Forwarded-For': `1.2.3.4, ${SAFARICOM}` }],
      ['X-Forwarded-For: a Safaricom address first', { 'X-Forwarded-For': `${SAFARICOM}, 1.2.3.4` }],
      ['X-Real-IP: a Safaricom address', { 'X-Real-IP': SAFARICOM }],
      ['Forwarded: for= a Safaricom address', { Forwarded: `for=${SAFARICOM}` }],
      ['True-Client-IP and CF-Connecting-IP', { 'True-Client-IP': SAFARICOM, 'CF-Connecting-IP': SAFARICOM }],
    ])('answers 403 to the right token from outside the allowlist with %s, storing nothing', async (_name, headers) => {
      const { referralId, payment } = await h.acceptedPendingPayment();
      const before = await stateFingerprint(t.dataSource);
      const res = await h.postCallback(DEV_CALLBACK_PATH, successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, 'XFF0000001'), headers);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
      await h.expectUnpaid(referralId, payment.id);
    });
  });

  describe('source allowlist behind a trusted proxy (TRUSTED_PROXIES=127.0.0.1)', () => {
    let t: TestApp;
    let h: ReturnType<typeof helpers>;
    beforeAll(async () => {
      t = await startTestApp({ role: 'all', env: { ...BASE_ENV, MPESA_CALLBACK_ALLOWED_IPS: SAFARICOM_LIST, TRUSTED_PROXIES: '127.0.0.1' } });
      h = helpers(t);
    });
    afterAll(() => t.close());

    it('accepts a callback the proxy forwards from a Safaricom address, and records that address', async () => {
      const { referralId, payment } = await h.acceptedPendingPayment();
      const res = await h.postCallback(DEV_CALLBACK_PATH, successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, 'PRX0000001'), { 'X-Forwarded-For': SAFARICOM });
      expect(res.status).toBe(200);
      expect(await h.processed(payment.stkRequestId!)).toMatchObject({ state: 'applied', source_ip: SAFARICOM });
      expect((await h.flow.finalPayment(payment.id)).status).toBe('completed');
      expect((await h.flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('paid');
    });

    it.each([
      ['no forwarding header (the proxy itself is not Safaricom)', {}],
      ['an outsider behind the proxy', { 'X-Forwarded-For': '1.2.3.4' }],
      ['an outsider who prepends a Safaricom address (the proxy appends the real one)', { 'X-Forwarded-For': `${SAFARICOM}, 1.2.3.4` }],
      ['X-Real-IP instead of X-Forwarded-For', { 'X-Real-IP': SAFARICOM }],
    ])('answers 403 to %s, storing nothing', async (_name, headers) => {
      const { referralId, payment } = await h.acceptedPendingPayment();
      const before = await stateFingerprint(t.dataSource);
      const res = await h.postCallback(DEV_CALLBACK_PATH, successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, 'PRX0000002'), headers);
      expect(res.status).toBe(403);
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
      await h.expectUnpaid(referralId, payment.id);
    });
  });
});
