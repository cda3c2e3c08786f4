// Starting payments by request (automatic pushes off), Idempotency-Key, tracking queries and the
// callback endpoint's answers to bad input.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { scopeOf } from '../src/common/idempotency/idempotency.interceptor';
import { DEV_CALLBACK_PATH, failureCallback, successCallback } from './support/callbacks';
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const SIM = (code: string) => `254700000${code}`;

describe('Payments started by request', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({
      role: 'all',
      env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', SIMULATOR_CALLBACK_DELAY_MS: '100', RECONCILE_FIRST_QUERY_S: '3600', REFERRAL_FEE_KES: '1200' },
    });
    flow = paymentFlow(t);
  });
  afterAll(() => t.close());

  const count = async (sql: string, params: unknown[] = []) => (await t.dataSource.query(sql, params))[0].n as number;

  describe('POST /api/referrals/:id/payments', () => {
    it('starts nothing by itself when AUTO_STK_ON_PENDING_PAYMENT is off', async () => {
      const referralId = await flow.referralInPendingPayment('0712000001');
      expect(await flow.paymentsOf(referralId)).toEqual([]);
    });

    it('answers 202 with a pending payment defaulting to the referral phone and amount', async () => {
      const referralId = await flow.referralInPendingPayment('0712000002');
      const res = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ referralId, phoneNumber: '254712000002', amount: 1200, status: 'pending', attempts: 0, stkRequestId: null, retryOf: null });
      // The answer is the row as inserted (no read-back): every field there, as the database has it.
      expect(res.body).toMatchObject({ merchantRequestId: null, mpesaTransactionId: null, resultCode: null, resultDesc: null, errorMessage: null, completedAt: null });
      const stored = (await flow.http.get(`/api/payments/${res.body.id}`)).body;
      expect(Object.keys(res.body).sort()).toEqual(Object.keys(stored).filter((key) => key !== 'events').sort());
      expect(res.body.createdAt).toBe(stored.createdAt);
      const done = await flow.finalPayment(res.body.id);
      expect(done.status).toBe('completed');
    });

    it('takes a phone number and amount from the body', async () => {
      const referralId = await flow.referralInPendingPayment('0712000003');
      const res = await flow.http.post(`/api/referrals/${referralId}/payments`, { phoneNumber: '+254 110 000 003', amount: 750 });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ phoneNumber: '254110000003', amount: 750 });
      const truth = await waitFor(async () => {
        const g = await flow.groundTruth();
        return g.transactions.find((x) => x.accountReference === res.body.accountReference);
      }, 'the push at the simulator');
      expect(truth).toMatchObject({ phoneNumber: '254110000003', amount: 750 });
    });

    it('answers 409 INVALID_TRANSITION unless the referral is pending-payment', async () => {
      const created = await flow.http.post('/api/referrals', { patientName: 'Not yet' });
      const res = await flow.http.post(`/api/referrals/${created.body.id}/payments`, { phoneNumber: '0712000004' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('INVALID_TRANSITION');
      expect(await count('SELECT count(*)::int AS n FROM payments WHERE referral_id = $1', [created.body.id])).toBe(0);
    });

    it('answers 404 for an unknown referral and 400 for bad fields', async () => {
      expect((await flow.http.post(`/api/referrals/${randomUUID()}/payments`, {})).status).toBe(404);
      const referralId = await flow.referralInPendingPayment('0712000005');
      for (const body of [{ amount: 10.5 }, { amount: 0 }, { phoneNumber: '12345' }, { phoneNumber: 254712000005 }, { extra: true }]) {
        const res = await flow.http.post(`/api/referrals/${referralId}/payments`, body);
        expect(res.status).toBe(400);
      }
      expect(await flow.paymentsOf(referralId)).toEqual([]);
    });

    it('lets exactly one of two concurrent requests start a payment: one push at the simulator', async () => {
      const referralId = await flow.referralInPendingPayment('0712000006');
      const [a, b] = await Promise.all([
        flow.http.post(`/api/referrals/${referralId}/payments`, {}),
        flow.http.post(`/api/referrals/${referralId}/payments`, {}),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([202, 409]);
      const winner = a.status === 202 ? a : b;
      const loser = a.status === 202 ? b : a;
      expect(loser.body).toMatchObject({ code: 'PAYMENT_IN_PROGRESS', paymentId: winner.body.id });
      await flow.finalPayment(winner.body.id);
      const truth = await flow.groundTruth();
      expect(truth.acceptedPushesByAccountReference[winner.body.accountReference]).toBe(1);
      expect(await flow.paymentsOf(referralId)).toHaveLength(1);
    });

    it('answers 409 PAYMENT_IN_PROGRESS with the pending payment id', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('201'));
      const first = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
      const second = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
      expect(second.status).toBe(409);
      expect(second.body).toEqual({ statusCode: 409, code: 'PAYMENT_IN_PROGRESS', message: expect.any(String), paymentId: first.body.id });
    });

    it('enforces one pending payment per referral in the database itself', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('201'));
      await flow.http.post(`/api/referrals/${referralId}/payments`, {}).expect(202);
      await expect(
        t.dataSource.query(`INSERT INTO payments (referral_id, phone_number, amount) VALUES ($1, '254712000007', 10)`, [referralId]),
      ).rejects.toThrow(/payments_one_pending_per_referral/);
    });
  });

  describe('POST /api/mpesa/stk-push', () => {
    it('starts a payment with the given phone and amount', async () => {
      const referralId = await flow.referralInPendingPayment('0712000008');
      const res = await flow.http.post('/api/mpesa/stk-push', { phoneNumber: '0712000009', amount: 1000, referralId, patientName: 'Test Patient' });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ referralId, phoneNumber: '254712000009', amount: 1000, status: 'pending' });
      expect((await flow.finalPayment(res.body.id)).status).toBe('completed');
    });

    it('follows the same rules: 400, 404, 409', async () => {
      expect((await flow.http.post('/api/mpesa/stk-push', { phoneNumber: '0712000010', amount: 1000 })).status).toBe(400);
      expect((await flow.http.post('/api/mpesa/stk-push', { phoneNumber: '0712000010', amount: 1.5, referralId: randomUUID() })).status).toBe(400);
      expect((await flow.http.post('/api/mpesa/stk-push', { phoneNumber: '0712000010', amount: 10, referralId: randomUUID() })).status).toBe(404);
      const created = await flow.http.post('/api/referrals', { patientName: 'Too early' });
      const early = await flow.http.post('/api/mpesa/stk-push', { phoneNumber: '0712000010', amount: 10, referralId: created.body.id });
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('INVALID_TRANSITION');
    });

    it('needs a key', async () => {
      const res = await request(t.app.getHttpServer()).post('/api/mpesa/stk-push').send({});
      expect(res.status).toBe(401);
    });
  });

  describe('Idempotency-Key', () => {
    const post = (path: string, body: object, key: string) =>
      request(t.app.getHttpServer()).post(path).set('X-API-Key', 'test-staff-key').set('Idempotency-Key', key).send(body);

    it('replays the first answer for the same key and body, starting nothing more', async () => {
      const referralId = await flow.referralInPendingPayment('0712000011');
      const key = randomUUID();
      const first = await post(`/api/referrals/${referralId}/payments`, { amount: 900 }, key);
      const second = await post(`/api/referrals/${referralId}/payments`, { amount: 900 }, key);
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body).toEqual(first.body);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(await flow.paymentsOf(referralId)).toHaveLength(1);
    });

    it('answers 422 for the same key with a different body', async () => {
      const referralId = await flow.referralInPendingPayment(SIM('201'));
      const key = randomUUID();
      await post(`/api/referrals/${referralId}/payments`, { amount: 900 }, key).expect(202);
      const res = await post(`/api/referrals/${referralId}/payments`, { amount: 901 }, key);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await flow.paymentsOf(referralId)).toHaveLength(1);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      const referralId = await flow.referralInPendingPayment('0712000012');
      const key = randomUUID();
      const path = `/api/referrals/${referralId}/payments`;
      // The first request's claim, as a running request leaves it.
      const { createHash } = await import('node:crypto');
      await t.dataSource.query(`INSERT INTO idempotency_keys (scope, key, request_hash, state) VALUES ($1, $2, $3, 'in-progress')`, [
        scopeOf('POST', '/api/referrals/:id/payments', { id: referralId }),
        key,
        createHash('sha256').update('{}').digest('hex'),
      ]);
      const res = await post(path, {}, key);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('IDEMPOTENCY_REQUEST_IN_PROGRESS');
      expect(await flow.paymentsOf(referralId)).toEqual([]);
    });

    it('replays a refusal too, and treats keys as separate per route', async () => {
      const created = await flow.http.post('/api/referrals', { patientName: 'Early' });
      const key = randomUUID();
      const first = await post(`/api/referrals/${created.body.id}/payments`, {}, key);
      expect(first.status).toBe(409);
      const again = await post(`/api/referrals/${created.body.id}/payments`, {}, key);
      expect(again.status).toBe(409);
      expect(again.body).toEqual(first.body);
    });

    it('refuses a malformed key', async () => {
      const referralId = await flow.referralInPendingPayment('0712000013');
      const res = await post(`/api/referrals/${referralId}/payments`, {}, 'x'.repeat(201));
      expect(res.status).toBe(400);
      expect(await flow.paymentsOf(referralId)).toEqual([]);
    });
  });

  describe('tracking queries', () => {
    let referralId: string;
    let paymentId: string;

    beforeAll(async () => {
      referralId = await flow.referralInPendingPayment(SIM('102'));
      paymentId = (await flow.http.post(`/api/referrals/${referralId}/payments`, {})).body.id;
      await flow.finalPayment(paymentId);
      await flow.http.post(`/api/referrals/${referralId}/payments`, { phoneNumber: '0712000014' }).expect(202);
    });

    it('lists a referral payments newest first, as a plain array', async () => {
      const list = await flow.paymentsOf(referralId);
      expect(list).toHaveLength(2);
      expect(list[1].id).toBe(paymentId);
      expect(list[1].status).toBe('failed');
      expect((await flow.http.get(`/api/referrals/${randomUUID()}/payments`)).status).toBe(404);
    });

    it('returns one payment with its history, oldest first', async () => {
      const p = await flow.payment(paymentId);
      expect(p.events!.map((e) => e.type)).toEqual(['created', 'push-accepted', 'status-changed']);
      expect(p.events![0]).toEqual({ at: expect.any(String), type: 'created', fromStatus: null, toStatus: 'pending', source: 'api', detail: { amount: 1200, role: 'staff' } });
      expect((await flow.http.get(`/api/payments/${randomUUID()}`)).status).toBe(404);
      expect((await flow.http.get('/api/payments/not-a-uuid')).status).toBe(400);
    });

    it('filters and pages GET /api/payments (admin only)', async () => {
      expect((await flow.http.get('/api/payments')).status).toBe(403);
      const byReferral = await flow.http.get(`/api/payments?referralId=${referralId}`, 'admin');
      expect(byReferral.body.items).toHaveLength(2);
      const failed = await flow.http.get(`/api/payments?referralId=${referralId}&status=failed`, 'admin');
      expect(failed.body.items.map((p: { id: string }) => p.id)).toEqual([paymentId]);
      const byPhone = await flow.http.get(`/api/payments?phoneNumber=0712000014`, 'admin');
      expect(byPhone.body.items.every((p: { phoneNumber: string }) => p.phoneNumber === '254712000014')).toBe(true);
      const future = await flow.http.get(`/api/payments?referralId=${referralId}&from=2999-01-01`, 'admin');
      expect(future.body.items).toEqual([]);
      const today = new Date().toISOString().slice(0, 10);
      const thisDay = await flow.http.get(`/api/payments?referralId=${referralId}&from=${today}&to=${today}`, 'admin');
      expect(thisDay.body.items).toHaveLength(2);
      const page1 = await flow.http.get(`/api/payments?referralId=${referralId}&limit=1`, 'admin');
      const page2 = await flow.http.get(`/api/payments?referralId=${referralId}&limit=1&cursor=${page1.body.nextCursor}`, 'admin');
      expect(page2.body.items[0].id).toBe(paymentId);
      expect(page2.body.nextCursor).toBeNull();
      for (const q of ['status=paid', 'from=yesterday', 'from=2026-02-01&to=2026-01-01', 'phoneNumber=1', 'referralId=x']) {
        expect((await flow.http.get(`/api/payments?${q}`, 'admin')).status).toBe(400);
      }
    });

    it('finds payments by phone in any accepted form (admin only)', async () => {
      const res = await flow.http.get('/api/payments/by-phone/+254%20712%20000%20014', 'admin');
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(res.body.items.every((p: { phoneNumber: string }) => p.phoneNumber === '254712000014')).toBe(true);
      expect((await flow.http.get('/api/payments/by-phone/0712000014')).status).toBe(403);
      expect((await flow.http.get('/api/payments/by-phone/12345', 'admin')).status).toBe(400);
    });

    it('lists pending payments oldest first (admin only)', async () => {
      const res = await flow.http.get('/api/payments/pending?limit=200', 'admin');
      expect(res.status).toBe(200);
      const items = res.body.items as { status: string; createdAt: string }[];
      expect(items.every((p) => p.status === 'pending')).toBe(true);
      const times = items.map((p) => p.createdAt);
      expect([...times].sort()).toEqual(times);
      expect((await flow.http.get('/api/payments/pending')).status).toBe(403);
    });
  });

  describe('POST /api/stk-callback/:token', () => {
    const server = () => request(t.app.getHttpServer());
    /** Callbacks stored other than the simulator's own (which keep arriving for other payments). */
    const callbackCount = async () => {
      const simulatorIds = (await flow.groundTruth()).transactions.map((x) => x.checkoutRequestId);
      return count('SELECT count(*)::int AS n FROM mpesa_callbacks WHERE NOT (checkout_request_id = ANY($1))', [simulatorIds]);
    };

    async function acceptedPaymentWithoutCallback() {
      const referralId = await flow.referralInPendingPayment(SIM('201'));
      const started = (await flow.http.post(`/api/referrals/${referralId}/payments`, {})).body;
      const accepted = await waitFor(async () => {
        const p = await flow.payment(started.id);
        return p.stkRequestId ? p : null;
      }, 'the push to be accepted');
      return { referralId, payment: accepted };
    }

    it('answers 404 for a wrong token and stores nothing', async () => {
      const before = await callbackCount();
      const res = await server().post('/api/stk-callback/not-the-token').send(failureCallback('ws_CO_x', 1032, 'Request cancelled by user'));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
      const bad = await server().post('/api/stk-callback/not-the-token').set('Content-Type', 'application/json').send('{nope');
      expect(bad.status).toBe(404);
      expect(await callbackCount()).toBe(before);
    });

    it.each([
      ['not JSON', '{"Body": ', 'application/json'],
      ['plain text', 'hello', 'text/plain'],
      ['without Body', '{}', 'application/json'],
      ['without CheckoutRequestID', JSON.stringify({ Body: { stkCallback: { ResultCode: 0 } } }), 'application/json'],
      ['with a numeric CheckoutRequestID', JSON.stringify({ Body: { stkCallback: { CheckoutRequestID: 42, ResultCode: 0 } } }), 'application/json'],
      ['with a JSON array', '[1,2]', 'application/json'],
    ])('answers 400 to a body %s and stores nothing', async (_name, body, type) => {
      const before = await callbackCount();
      const res = await server().post(DEV_CALLBACK_PATH).set('Content-Type', type).send(body);
      expect(res.status).toBe(400);
      expect(await callbackCount()).toBe(before);
    });

    it('answers 413 to a 1 MB body and stores nothing', async () => {
      const before = await callbackCount();
      const huge = { Body: { stkCallback: { CheckoutRequestID: 'ws_CO_big', ResultCode: 0, ResultDesc: 'x'.repeat(1024 * 1024) } } };
      const res = await server().post(DEV_CALLBACK_PATH).send(huge);
      expect(res.status).toBe(413);
      expect(await callbackCount()).toBe(before);
    });

    it('stores a callback for an unknown CheckoutRequestID, answers Accepted, and changes no payment', async () => {
      const id = `ws_CO_unknown_${Date.now()}`;
      const res = await server().post(DEV_CALLBACK_PATH).send(failureCallback(id, 1032, 'Request cancelled by user'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ResultCode: 0, ResultDesc: 'Accepted' });
      const row = await waitFor(async () => {
        const [r] = await t.dataSource.query(`SELECT state, payment_id FROM mpesa_callbacks WHERE checkout_request_id = $1`, [id]);
        return r?.state !== 'received' ? r : null;
      }, 'the callback to be processed');
      expect(row).toEqual({ state: 'unmatched', payment_id: null });
    });

    it('accepts ResultCode as a string and applies a failure', async () => {
      const { payment } = await acceptedPaymentWithoutCallback();
      await server().post(DEV_CALLBACK_PATH).send(failureCallback(payment.stkRequestId!, '1032', 'Request cancelled by user')).expect(200);
      const done = await flow.finalPayment(payment.id);
      expect(done).toMatchObject({ status: 'failed', resultCode: '1032', resultDesc: 'Request cancelled by user' });
    });

    it('fails a payment whose callback reports another amount, naming the mismatch, and keeps the callback', async () => {
      const { referralId, payment } = await acceptedPaymentWithoutCallback();
      const res = await server().post(DEV_CALLBACK_PATH).send(successCallback(payment.stkRequestId!, payment.amount - 1, payment.phoneNumber, 'QAZ1234567'));
      expect(res.status).toBe(200);
      const done = await flow.finalPayment(payment.id);
      expect(done.status).toBe('failed');
      expect(done.errorMessage).toContain(`KES ${payment.amount - 1}`);
      expect(done.errorMessage).toContain(`KES ${payment.amount}`);
      expect(done.mpesaTransactionId).toBeNull();
      const [row] = await t.dataSource.query(`SELECT state, raw_body FROM mpesa_callbacks WHERE checkout_request_id = $1`, [payment.stkRequestId]);
      expect(row.state).toBe('review');
      expect(JSON.parse(row.raw_body).Body.stkCallback.CheckoutRequestID).toBe(payment.stkRequestId);
      expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('pending-payment');
    });

    it('lets a repeated success callback change nothing', async () => {
      const { referralId, payment } = await acceptedPaymentWithoutCallback();
      const body = successCallback(payment.stkRequestId!, payment.amount, payment.phoneNumber, 'WSX1234567');
      await server().post(DEV_CALLBACK_PATH).send(body).expect(200);
      const done = await flow.finalPayment(payment.id);
      expect(done).toMatchObject({ status: 'completed', mpesaTransactionId: 'WSX1234567' });
      const referralBefore = (await flow.http.get(`/api/referrals/${referralId}`)).body;
      await server().post(DEV_CALLBACK_PATH).send(body).expect(200);
      // The same outcome re-serialised (items in another order) is recognised by its content.
      const reordered = JSON.parse(JSON.stringify(body));
      reordered.Body.stkCallback.CallbackMetadata.Item.reverse();
      await server().post(DEV_CALLBACK_PATH).send(reordered).expect(200);
      const after = await flow.payment(payment.id);
      expect(after.events).toEqual(done.events);
      expect(after.updatedAt).toBe(done.updatedAt);
      expect((await flow.http.get(`/api/referrals/${referralId}`)).body).toEqual(referralBefore);
      const rows = await t.dataSource.query(`SELECT deliveries FROM mpesa_callbacks WHERE checkout_request_id = $1`, [payment.stkRequestId]);
      expect(rows).toEqual([{ deliveries: 3 }]);
    });

    it('does not let a receipt pay a second payment', async () => {
      const one = await acceptedPaymentWithoutCallback();
      const two = await acceptedPaymentWithoutCallback();
      await server().post(DEV_CALLBACK_PATH).send(successCallback(one.payment.stkRequestId!, one.payment.amount, one.payment.phoneNumber, 'EDC1234567')).expect(200);
      expect((await flow.finalPayment(one.payment.id)).status).toBe('completed');
      // A genuine callback replayed under the other payment's CheckoutRequestID.
      await server().post(DEV_CALLBACK_PATH).send(successCallback(two.payment.stkRequestId!, two.payment.amount, two.payment.phoneNumber, 'EDC1234567')).expect(200);
      const row = await waitFor(async () => {
        const [r] = await t.dataSource.query(`SELECT state, note FROM mpesa_callbacks WHERE checkout_request_id = $1`, [two.payment.stkRequestId]);
        return r?.state !== 'received' ? r : null;
      }, 'the replay to be processed');
      expect(row.state).toBe('review');
      expect((await flow.payment(two.payment.id)).status).toBe('pending');
      expect((await flow.http.get(`/api/referrals/${two.referralId}`)).body.status).toBe('pending-payment');
    });
  });
});

describe('Callback source allowlist', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { MPESA_CALLBACK_ALLOWED_IPS: '196.201.214.200,10.0.0.0/8' } });
  });
  afterAll(() => t.close());

  it('answers 403 to a callback from an address outside MPESA_CALLBACK_ALLOWED_IPS and stores nothing', async () => {
    const res = await request(t.app.getHttpServer())
      .post(DEV_CALLBACK_PATH)
      .set('X-Forwarded-For', '196.201.214.200')
      .send(failureCallback('ws_CO_allowlist', 1032, 'Request cancelled by user'));
    expect(res.status).toBe(403);
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM mpesa_callbacks');
    expect(n).toBe(0);
  });
});
