// Issue 14, item 1: an Idempotency-Key belongs to the resource a request acts on, not to how its
// path was spelled. Express routes `/API/Referrals/<ID>/payments/` to the same handler as the
// canonical path, so every such spelling must replay the first answer and start nothing.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { paymentFlow } from './support/payment-flow';
import { STAFF_KEY, startTestApp, TestApp } from './support/test-app';

describe('Idempotency-Key scope: the route and its normalised parameters', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    flow = paymentFlow(t);
  });
  afterAll(() => t.close());

  const post = (path: string, body: object | undefined, key: string) => {
    const req = request(t.app.getHttpServer()).post(path).set('X-API-Key', STAFF_KEY).set('Idempotency-Key', key);
    return body === undefined ? req : req.send(body);
  };
  const paymentRows = async (referralId: string) =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM payments WHERE referral_id = $1`, [referralId]))[0].n as number;

  it('replays POST /api/referrals/:id/payments however the id and path are spelled', async () => {
    const referralId = await flow.referralInPendingPayment('0712140001');
    const key = randomUUID();
    const first = await post(`/api/referrals/${referralId}/payments`, { amount: 700 }, key);
    expect(first.status).toBe(202);
    for (const path of [
      `/api/referrals/${referralId.toUpperCase()}/payments`,
      `/api/referrals/${referralId}/payments/`,
      `/api/referrals/${referralId.toUpperCase()}/payments/`,
      `/API/Referrals/${referralId}/PAYMENTS`,
    ]) {
      const again = await post(path, { amount: 700 }, key);
      expect({ path, status: again.status }).toEqual({ path, status: 202 });
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
    }
    expect(await paymentRows(referralId)).toBe(1);
    // Still the same resource: another body with the key is a misuse of it, whatever the spelling.
    const other = await post(`/api/referrals/${referralId.toUpperCase()}/payments/`, { amount: 701 }, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await paymentRows(referralId)).toBe(1);
  });

  it('replays the retries however the id is spelled', async () => {
    const referralId = await flow.referralInPendingPayment('0712140002');
    const original = (await flow.http.post(`/api/referrals/${referralId}/payments`, {})).body.id as string;
    await flow.http.post('/api/update-payment-status', { paymentId: original, status: 'failed', reason: 'test' }, 'admin').expect(200);

    const key = randomUUID();
    const first = await post(`/api/payments/${original}/retry`, undefined, key);
    expect(first.status).toBe(202);
    const again = await post(`/api/payments/${original.toUpperCase()}/retry/`, undefined, key);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(await paymentRows(referralId)).toBe(2);

    await flow.http.post('/api/update-payment-status', { paymentId: first.body.id, status: 'failed', reason: 'test' }, 'admin').expect(200);
    const referralKey = randomUUID();
    const byReferral = await post(`/api/referrals/${referralId}/payments/retry`, undefined, referralKey);
    expect(byReferral.status).toBe(202);
    const byReferralAgain = await post(`/api/referrals/${referralId.toUpperCase()}/payments/retry/`, undefined, referralKey);
    expect(byReferralAgain.status).toBe(202);
    expect(byReferralAgain.body).toEqual(byReferral.body);
    expect(await paymentRows(referralId)).toBe(3);
  });

  it('replays POST /api/mpesa/stk-push whose body names the referral in capitals', async () => {
    const referralId = await flow.referralInPendingPayment('0712140005');
    const key = randomUUID();
    const first = await post('/api/mpesa/stk-push', { referralId, phoneNumber: '0712140005', amount: 300 }, key);
    expect(first.status).toBe(202);
    const again = await post('/api/mpesa/stk-push/', { amount: 300, phoneNumber: '0712140005', referralId: referralId.toUpperCase() }, key);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await paymentRows(referralId)).toBe(1);
  });

  it('keeps one key on two different referrals apart: each is its own resource', async () => {
    const a = await flow.referralInPendingPayment('0712140003');
    const b = await flow.referralInPendingPayment('0712140004');
    const key = randomUUID();
    const first = await post(`/api/referrals/${a}/payments`, {}, key);
    const second = await post(`/api/referrals/${b}/payments`, {}, key);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.referralId).toBe(b);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect([await paymentRows(a), await paymentRows(b)]).toEqual([1, 1]);
  });
});
