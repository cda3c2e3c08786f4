// Admin operations (retries, manual status updates) and the statistics, against the real stack.
import { randomUUID } from 'node:crypto';
import { DEV_CALLBACK_PATH, successCallback } from './support/callbacks';
import { paymentFlow, PaymentBody } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const SIM = (code: string) => `254700000${code}`;

describe('Admin operations and statistics', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({
      role: 'all',
      env: { SIMULATOR_CALLBACK_DELAY_MS: '50', RECONCILE_FIRST_QUERY_S: '3600', STK_RETRY_BASE_MS: '50' },
    });
    flow = paymentFlow(t);
  });
  afterAll(() => t.close());

  const referral = async (id: string) => (await flow.http.get(`/api/referrals/${id}`)).body;

  /** A referral whose automatic payment failed (customer cancelled). */
  async function failedPayment(): Promise<{ referralId: string; payment: PaymentBody }> {
    const referralId = await flow.referralInPendingPayment(SIM('102'));
    const payment = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(payment.status).toBe('failed');
    return { referralId, payment };
  }

  /** A referral whose payment was accepted and will never hear back (callback lost). */
  async function stuckPayment(): Promise<{ referralId: string; payment: PaymentBody }> {
    const referralId = await flow.referralInPendingPayment(SIM('201'));
    const started = await flow.onlyPayment(referralId);
    const payment = await waitFor(async () => {
      const p = await flow.payment(started.id);
      return p.stkRequestId ? p : null;
    }, 'the push to be accepted');
    return { referralId, payment };
  }

  const manual = (body: object, role: 'admin' | 'staff' = 'admin') => flow.http.post('/api/update-payment-status', body, role);

  describe('retries', () => {
    it('retries a failed payment as a new payment pointing back at it', async () => {
      const { referralId, payment } = await failedPayment();
      // The customer's phone is fixed now: the retry goes to the same number, which succeeds this time in
      // the simulator only if it is a success number, so point the referral at one first by a fresh payment.
      const res = await flow.http.post(`/api/payments/${payment.id}/retry`, {});
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ referralId, retryOf: payment.id, status: 'pending', amount: payment.amount, phoneNumber: payment.phoneNumber });
      expect(res.body.id).not.toBe(payment.id);
      const retried = await flow.finalPayment(res.body.id);
      expect(retried.events![0]).toMatchObject({ type: 'retry-created', source: 'api', detail: { retryOf: payment.id, role: 'staff' } });
      expect(await flow.paymentsOf(referralId)).toHaveLength(2);
    });

    it('answers 409 unless the payment failed', async () => {
      const { payment } = await stuckPayment();
      const pending = await flow.http.post(`/api/payments/${payment.id}/retry`, {});
      expect(pending.status).toBe(409);
      expect(pending.body.code).toBe('PAYMENT_NOT_RETRYABLE');
      const referralId = await flow.referralInPendingPayment('0712100001');
      const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
      expect(done.status).toBe('completed');
      const completed = await flow.http.post(`/api/payments/${done.id}/retry`, {});
      expect(completed.status).toBe(409);
      expect(await flow.paymentsOf(referralId)).toHaveLength(1);
      expect((await flow.http.post(`/api/payments/${randomUUID()}/retry`, {})).status).toBe(404);
    });

    it('answers 409 PAYMENT_IN_PROGRESS when the referral already has a pending payment', async () => {
      const { referralId, payment } = await failedPayment();
      const first = await flow.http.post(`/api/payments/${payment.id}/retry`, {});
      expect(first.status).toBe(202);
      const second = await flow.http.post(`/api/payments/${payment.id}/retry`, {});
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ code: 'PAYMENT_IN_PROGRESS', paymentId: first.body.id });
      await flow.finalPayment(first.body.id);
      expect(await flow.paymentsOf(referralId)).toHaveLength(2);
    });

    it('retries the referral latest failed payment through POST /api/referrals/:id/payments/retry', async () => {
      const { referralId, payment } = await failedPayment();
      const res = await flow.http.post(`/api/referrals/${referralId}/payments/retry`, {});
      expect(res.status).toBe(202);
      expect(res.body.retryOf).toBe(payment.id);
      const again = await flow.http.post(`/api/referrals/${referralId}/payments/retry`, {});
      expect(again.status).toBe(409);
      const fresh = (await flow.http.post('/api/referrals', { patientName: 'No payments' })).body;
      const none = await flow.http.post(`/api/referrals/${fresh.id}/payments/retry`, {});
      expect(none.status).toBe(409);
      expect(none.body.code).toBe('PAYMENT_NOT_RETRYABLE');
      expect((await flow.http.post(`/api/referrals/${randomUUID()}/payments/retry`, {})).status).toBe(404);
    });
  });

  describe('POST /api/update-payment-status', () => {
    it('is admin only: staff gets 403 and nothing changes', async () => {
      const { payment } = await stuckPayment();
      const res = await manual({ paymentId: payment.id, status: 'completed', reason: 'seen on statement' }, 'staff');
      expect(res.status).toBe(403);
      expect((await flow.payment(payment.id)).status).toBe('pending');
    });

    it.each([
      [{ status: 'completed', reason: 'x' }, 'paymentId'],
      [{ paymentId: 'PLACEHOLDER', status: 'completed' }, 'reason'],
      [{ paymentId: 'PLACEHOLDER', status: 'completed', reason: '   ' }, 'reason'],
      [{ paymentId: 'PLACEHOLDER', status: 'pending', reason: 'x' }, 'status'],
      [{ paymentId: 'PLACEHOLDER', status: 'completed', reason: 'x', mpesaTransactionId: 'lower case' }, 'mpesaTransactionId'],
      [{ paymentId: 'PLACEHOLDER', status: 'completed', reason: 'x', amount: 1 }, 'amount'],
      [{ paymentId: 'PLACEHOLDER', status: 'completed', reason: 'x', note: 'extra' }, 'note'],
    ])('refuses %j with 400 naming %s, changing nothing', async (body, field) => {
      const { payment } = await stuckPayment();
      const res = await manual(JSON.parse(JSON.stringify(body).replace('PLACEHOLDER', payment.id)));
      expect(res.status).toBe(400);
      expect(res.body.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect((await flow.payment(payment.id)).status).toBe('pending');
    });

    it('completes a pending payment by hand: referral paid, change recorded with role and reason', async () => {
      const { referralId, payment } = await stuckPayment();
      const res = await manual({ stkRequestId: payment.stkRequestId, status: 'completed', mpesaTransactionId: 'MAN0000001', amount: payment.amount, reason: 'Confirmed on the M-Pesa statement' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: payment.id, status: 'completed', mpesaTransactionId: 'MAN0000001', completedAt: expect.any(String) });
      const events = (await flow.payment(payment.id)).events!;
      expect(events[events.length - 1]).toMatchObject({
        type: 'manual-update',
        fromStatus: 'pending',
        toStatus: 'completed',
        source: 'admin',
        detail: { reason: 'Confirmed on the M-Pesa statement', role: 'admin', previousStatus: 'pending', receipt: 'MAN0000001' },
      });
      expect(await referral(referralId)).toMatchObject({ status: 'paid', paidAt: expect.any(String) });
    });

    it('takes back a completed payment: the referral is no longer paid', async () => {
      const { referralId, payment } = await stuckPayment();
      await manual({ paymentId: payment.id, status: 'completed', reason: 'statement' }).expect(200);
      const res = await manual({ paymentId: payment.id, status: 'failed', reason: 'Reversed by Safaricom' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'failed', completedAt: null, errorMessage: expect.stringContaining('Reversed by Safaricom') });
      expect(await referral(referralId)).toMatchObject({ status: 'pending-payment', paidAt: null });
      const history = await t.dataSource.query(`SELECT from_status, to_status, source FROM referral_status_changes WHERE referral_id = $1 ORDER BY at`, [referralId]);
      expect(history.slice(-2)).toEqual([
        { from_status: 'pending-payment', to_status: 'paid', source: 'admin' },
        { from_status: 'paid', to_status: 'pending-payment', source: 'admin' },
      ]);
    });

    it('changes nothing and records nothing when the payment already has that status', async () => {
      const { payment } = await failedPayment();
      const before = await flow.payment(payment.id);
      const res = await manual({ paymentId: payment.id, status: 'failed', reason: 'double check' });
      expect(res.status).toBe(200);
      expect((await flow.payment(payment.id)).events).toEqual(before.events);
    });

    it('will not complete a failed payment while a retry is pending (no second charge)', async () => {
      const { payment } = await failedPayment();
      const retry = await flow.http.post(`/api/payments/${payment.id}/retry`, {});
      expect(retry.status).toBe(202);
      const res = await manual({ paymentId: payment.id, status: 'completed', reason: 'customer says paid' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'PAYMENT_IN_PROGRESS', paymentId: retry.body.id });
      expect((await flow.payment(payment.id)).status).toBe('failed');
    });

    it('refuses a receipt that already pays another payment', async () => {
      const one = await stuckPayment();
      const two = await stuckPayment();
      await manual({ paymentId: one.payment.id, status: 'completed', mpesaTransactionId: 'DUP0000001', reason: 'statement' }).expect(200);
      const res = await manual({ paymentId: two.payment.id, status: 'completed', mpesaTransactionId: 'DUP0000001', reason: 'statement' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'RECEIPT_ALREADY_USED', paymentId: one.payment.id });
      expect((await flow.payment(two.payment.id)).status).toBe('pending');
    });

    it('answers 404 for an unknown payment', async () => {
      expect((await manual({ paymentId: randomUUID(), status: 'failed', reason: 'x' })).status).toBe(404);
      expect((await manual({ stkRequestId: 'ws_CO_nope', status: 'failed', reason: 'x' })).status).toBe(404);
    });
  });

  describe('GET /api/payments/stats', () => {
    type Stats = { total: number; pending: number; completed: number; failed: number; totalAmount: number; pendingAmount: number; failedAmount: number; successRate: number; reviewAmount: number; refundDueAmount: number; refundedAmount: number };

    async function directCount(from?: Date, to?: Date): Promise<Stats> {
      const conditions: string[] = [];
      const params: Date[] = [];
      if (from) conditions.push(`created_at >= $${params.push(from)}`);
      if (to) conditions.push(`created_at < $${params.push(to)}`);
      const [row] = await t.dataSource.query(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE status = 'pending')::int AS pending,
                count(*) FILTER (WHERE status = 'completed')::int AS completed,
                count(*) FILTER (WHERE status = 'failed')::int AS failed,
                coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0)::int AS "totalAmount",
                coalesce(sum(amount) FILTER (WHERE status = 'pending'), 0)::int AS "pendingAmount",
                coalesce(sum(amount) FILTER (WHERE status = 'failed'), 0)::int AS "failedAmount"
           FROM payments ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}`,
        params,
      );
      const [receipts] = await t.dataSource.query(
        `SELECT coalesce(sum(amount) FILTER (WHERE state IN ('unmatched', 'review')), 0)::int AS "reviewAmount",
                coalesce(sum(amount) FILTER (WHERE state = 'refund-due'), 0)::int AS "refundDueAmount",
                coalesce(sum(amount) FILTER (WHERE state = 'refunded'), 0)::int AS "refundedAmount"
           FROM receipts ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}`,
        params,
      );
      const settled = row.completed + row.failed;
      return { ...row, successRate: settled === 0 ? 0 : Math.round((row.completed / settled) * 10_000) / 10_000, ...receipts };
    }

    async function apiStats(query = ''): Promise<Stats> {
      const res = await flow.http.get(`/api/payments/stats${query}`, 'admin');
      expect(res.status).toBe(200);
      return res.body;
    }

    it('is admin only and validates its range', async () => {
      expect((await flow.http.get('/api/payments/stats')).status).toBe(403);
      expect((await flow.http.get('/api/payments/stats?from=soon', 'admin')).status).toBe(400);
      expect((await flow.http.get('/api/payments/stats?from=2026-02-01&to=2026-01-01', 'admin')).status).toBe(400);
    });

    it('equals a direct count after a random mix of creations, callbacks, retries and manual updates', async () => {
      const outcomes = ['0712200001', SIM('101'), SIM('102'), SIM('201'), '0712200002', SIM('105')];
      const referrals: string[] = [];
      for (let i = 0; i < 12; i++) referrals.push(await flow.referralInPendingPayment(outcomes[i % outcomes.length], { amount: 100 + i * 7 }));
      const firstPayments = await Promise.all(referrals.map((id) => flow.onlyPayment(id)));
      await Promise.all(
        firstPayments.map((p) =>
          waitFor(async () => {
            const now = await flow.payment(p.id);
            return now.status !== 'pending' || now.stkRequestId ? now : null;
          }, 'each payment to be accepted or settled'),
        ),
      );
      // Retries of the failed ones, a manual completion, a forged-but-valid callback for a lost one.
      for (const p of firstPayments) {
        const now = await flow.payment(p.id);
        if (now.status === 'failed') await flow.http.post(`/api/payments/${p.id}/retry`, {});
        if (now.status === 'pending' && now.stkRequestId && Math.random() < 0.5) {
          await manual({ paymentId: p.id, status: 'completed', reason: 'mixed test' });
        } else if (now.status === 'pending' && now.stkRequestId) {
          await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(now.stkRequestId, now.amount, now.phoneNumber, `MIX${Date.now().toString().slice(-7)}`));
        }
      }
      // Spread some payments over earlier days and hours: the trigger must move their counts too.
      await t.dataSource.query(`UPDATE payments SET created_at = created_at - (random() * interval '5 days') WHERE id IN (SELECT id FROM payments ORDER BY random() LIMIT 10)`);
      await new Promise((r) => setTimeout(r, 500));

      expect(await apiStats()).toEqual(await directCount());
      const [{ min, max }] = await t.dataSource.query(`SELECT min(created_at) AS min, max(created_at) AS max FROM payments`);
      const lo = new Date(min).getTime();
      const hi = new Date(max).getTime() + 1;
      for (let i = 0; i < 25; i++) {
        const a = new Date(lo + Math.random() * (hi - lo));
        const b = new Date(a.getTime() + Math.random() * (hi - a.getTime()));
        const shape = i % 3;
        const query = shape === 0 ? `?from=${a.toISOString()}&to=${b.toISOString()}` : shape === 1 ? `?from=${a.toISOString()}` : `?to=${b.toISOString()}`;
        const expected = shape === 0 ? await directCount(a, b) : shape === 1 ? await directCount(a) : await directCount(undefined, b);
        expect({ query, stats: await apiStats(query) }).toEqual({ query, stats: expected });
      }
      const today = new Date().toISOString().slice(0, 10);
      const tomorrow = new Date(Date.parse(today) + 86400_000);
      expect(await apiStats(`?from=${today}&to=${today}`)).toEqual(await directCount(new Date(today), tomorrow));
    });

    it('never lets a referral be paid without a completed payment, or the reverse', async () => {
      const mismatches = await t.dataSource.query(`
        SELECT r.id, r.status, EXISTS (SELECT 1 FROM payments p WHERE p.referral_id = r.id AND p.status = 'completed') AS has_completed
          FROM referrals r
         WHERE (r.status IN ('paid', 'confirmed')) <> EXISTS (SELECT 1 FROM payments p WHERE p.referral_id = r.id AND p.status = 'completed')`);
      expect(mismatches).toEqual([]);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM referrals WHERE status = 'paid'`);
      expect(n).toBeGreaterThan(0);
    });
  });
});
