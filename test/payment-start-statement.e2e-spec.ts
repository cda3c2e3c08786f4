// POST /api/referrals/:id/payments in one statement (START_PAYMENT): what it writes is what
// createPending's transaction writes, and a refusal still answers why, with nothing written.
import { randomUUID } from 'node:crypto';
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';

describe('Starting a payment in one statement', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api', env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', REFERRAL_FEE_KES: '1300' } });
    flow = paymentFlow(t);
  });
  afterAll(() => t.close());

  it('writes the payment and its created history row, with the role of the key and the amount', async () => {
    const referralId = await flow.referralInPendingPayment('0712300001');
    const res = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ referralId, phoneNumber: '254712300001', amount: 1300, status: 'pending', attempts: 0, retryOf: null });
    expect(res.body.accountReference).toMatch(/^PAY/);
    const [row] = await t.dataSource.query('SELECT push_state, status FROM payments WHERE id = $1', [res.body.id]);
    expect(row).toEqual({ push_state: 'queued', status: 'pending' });
    const events = await t.dataSource.query('SELECT type, source, from_status, to_status, actor_role, detail FROM payment_events WHERE payment_id = $1', [res.body.id]);
    expect(events).toEqual([{ type: 'created', source: 'api', from_status: null, to_status: 'pending', actor_role: 'staff', detail: { amount: 1300 } }]);
  });

  it('takes the phone in any accepted form and the amount from the body', async () => {
    const referralId = await flow.referralInPendingPayment('0712300002');
    const res = await flow.http.post(`/api/referrals/${referralId}/payments`, { phoneNumber: '+254 110 300 002', amount: 640 });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ phoneNumber: '254110300002', amount: 640 });
  });

  it('answers each refusal as before and writes nothing', async () => {
    expect((await flow.http.post(`/api/referrals/${randomUUID()}/payments`, {})).status).toBe(404);
    const created = await flow.http.post('/api/referrals', { patientName: 'Not yet' });
    const refused = await flow.http.post(`/api/referrals/${created.body.id}/payments`, { phoneNumber: '0712300003' });
    expect(refused.body).toMatchObject({ statusCode: 409, code: 'INVALID_TRANSITION' });
    const referralId = await flow.referralInPendingPayment('0712300004');
    const first = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
    const second = await flow.http.post(`/api/referrals/${referralId}/payments`, {});
    expect(second.body).toMatchObject({ statusCode: 409, code: 'PAYMENT_IN_PROGRESS', paymentId: first.body.id });
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM payment_events e JOIN payments p ON p.id = e.payment_id WHERE p.referral_id = ANY($1::uuid[])', [[created.body.id, referralId]]);
    expect(n).toBe(1);
  });
});
