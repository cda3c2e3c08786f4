// Issue 14, item 2: what a client can send must never answer 500. Cursors outside what the
// service issues are 400 on every list route; a receipt that two admins give to two payments at
// the same moment is 409 RECEIPT_ALREADY_USED for the one that loses, as it is when they do not race.
import { randomUUID } from 'node:crypto';
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const LIST_ROUTES = ['/api/referrals', '/api/payments', '/api/payments/pending', '/api/payments/by-phone/0712000001'];
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

describe('Client mistakes answer 4xx, never 500', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    flow = paymentFlow(t);
  });
  afterAll(() => t.close());

  describe('cursors', () => {
    const malformed = [
      cursorOf('s:9223372036854775808'), // one past the largest bigint
      cursorOf('s:9999999999999999999'),
      cursorOf('c:1764620000123456:9223372036854775808'),
      cursorOf('c:253402300800000000:1'), // 10000-01-01T00:00:00Z
      cursorOf('c:9999999999999999999:1'),
      cursorOf('c:-1:1'),
      cursorOf('c:1764620000123456'),
      cursorOf('s:99999999999999999999'),
      cursorOf('s:'),
      cursorOf('s:-1'),
      cursorOf('x:1'),
      cursorOf('s:1 '),
      cursorOf('s:１'), // a full-width digit
      'czo', // "s:" cut short
      's:9223372036854775808', // not even base64url
      'a'.repeat(65),
      '%00',
      '',
    ];

    it.each(LIST_ROUTES)('%s answers 400 VALIDATION_FAILED naming cursor for every cursor it did not issue', async (route) => {
      for (const cursor of malformed) {
        const res = await flow.http.get(`${route}?cursor=${encodeURIComponent(cursor)}`, 'admin');
        expect({ cursor, status: res.status }).toEqual({ cursor, status: 400 });
        expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
        expect(JSON.stringify(res.body.fields)).toContain('cursor');
      }
    });

    it.each(LIST_ROUTES)('%s still takes the extreme cursors it could have issued', async (route) => {
      for (const cursor of ['s:9223372036854775807', 'c:253402300799999999:9223372036854775807', 'c:0:0']) {
        const res = await flow.http.get(`${route}?cursor=${cursorOf(cursor)}`, 'admin');
        expect({ cursor, status: res.status }).toEqual({ cursor, status: 200 });
      }
      const res = await flow.http.get(`${route}?cursor=${cursorOf('s:9223372036854775807')}`, 'admin');
      expect(Array.isArray(res.body.items)).toBe(true);
      expect(res.body.nextCursor === null || typeof res.body.nextCursor === 'string').toBe(true);
    });
  });

  describe('POST /api/update-payment-status with one receipt for two payments', () => {
    /** A payment of its own referral, pending, as if Daraja had accepted its push. */
    async function pendingPayment(phone: string): Promise<{ referralId: string; paymentId: string }> {
      const referralId = await flow.referralInPendingPayment(phone);
      const paymentId = (await flow.http.post(`/api/referrals/${referralId}/payments`, {})).body.id as string;
      return { referralId, paymentId };
    }
    const complete = (paymentId: string, receipt: string) =>
      flow.http.post('/api/update-payment-status', { paymentId, status: 'completed', mpesaTransactionId: receipt, reason: 'customer showed the SMS' }, 'admin');
    const receiptHolders = async (receipt: string) =>
      (await t.dataSource.query(`SELECT id FROM payments WHERE mpesa_transaction_id = $1`, [receipt])).map((r: { id: string }) => r.id);
    const status = async (paymentId: string) => (await t.dataSource.query(`SELECT status FROM payments WHERE id = $1`, [paymentId]))[0].status;

    it('answers 409 RECEIPT_ALREADY_USED when the other payment takes the receipt while this one is being completed', async () => {
      const first = await pendingPayment('0712140101');
      const second = await pendingPayment('0712140102');
      const receipt = `RACE${Date.now()}`.slice(0, 16);
      // The first admin's transaction, caught between writing the receipt and committing: the
      // second admin's check sees no holder yet, and its write waits on the unique index.
      const other = t.dataSource.createQueryRunner();
      await other.connect();
      await other.startTransaction();
      let answered = false;
      try {
        await other.query(`UPDATE payments SET status = 'completed', completed_at = now(), mpesa_transaction_id = $1 WHERE id = $2`, [receipt, first.paymentId]);
        const pendingAnswer = complete(second.paymentId, receipt).then((res) => ((answered = true), res));
        await waitFor(async () => {
          const [row] = await t.dataSource.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE payments%'`,
          );
          return row.n > 0 || answered;
        }, 'the second completion to wait on the receipt');
        await other.commitTransaction();
        const res = await pendingAnswer;
        expect(res.status).toBe(409);
        expect(res.body).toEqual({ statusCode: 409, code: 'RECEIPT_ALREADY_USED', message: expect.stringContaining(receipt), paymentId: first.paymentId });
      } finally {
        if (other.isTransactionActive) await other.rollbackTransaction();
        await other.release();
      }
      expect(await receiptHolders(receipt)).toEqual([first.paymentId]);
      expect(await status(second.paymentId)).toBe('pending');
      const referral = (await flow.http.get(`/api/referrals/${second.referralId}`)).body;
      expect(referral.status).toBe('pending-payment');
      const events = (await flow.payment(second.paymentId)).events!.map((e) => e.type);
      expect(events).toEqual(['created']);
    });

    it('lets exactly one of two admins completing two payments with one receipt at the same moment win', async () => {
      for (let round = 0; round < 5; round++) {
        const a = await pendingPayment(`07121402${round}1`);
        const b = await pendingPayment(`07121402${round}2`);
        const receipt = `SAME${round}${Date.now()}`.slice(0, 18);
        const answers = await Promise.all([complete(a.paymentId, receipt), complete(b.paymentId, receipt)]);
        expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
        const winner = answers.find((r) => r.status === 200)!;
        const loser = answers.find((r) => r.status === 409)!;
        expect(loser.body).toMatchObject({ code: 'RECEIPT_ALREADY_USED', paymentId: winner.body.id });
        expect(await receiptHolders(receipt)).toEqual([winner.body.id]);
        const loserId = winner.body.id === a.paymentId ? b.paymentId : a.paymentId;
        expect(await status(loserId)).toBe('pending');
      }
    });

    it('records a reason of the documented maximum (500 characters) when failing by hand; a longer one is 400 and changes nothing', async () => {
      const { paymentId } = await pendingPayment('0712140103');
      const res = await flow.http.post('/api/update-payment-status', { paymentId, status: 'failed', reason: 'r'.repeat(500) }, 'admin');
      // 500 characters is within the documented limit: the change is recorded, the reason kept whole.
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('failed');
      const events = (await flow.payment(paymentId)).events!;
      expect(events[events.length - 1].detail).toMatchObject({ reason: 'r'.repeat(500) });
      const tooLong = await flow.http.post('/api/update-payment-status', { paymentId, status: 'completed', reason: 'r'.repeat(501) }, 'admin');
      expect(tooLong.status).toBe(400);
      expect(await status(paymentId)).toBe('failed');
    });

    it('answers 404, not 500, for a payment named by an unknown stkRequestId', async () => {
      const res = await flow.http.post('/api/update-payment-status', { stkRequestId: `ws_CO_${randomUUID()}`, status: 'failed', reason: 'x' }, 'admin');
      expect(res.status).toBe(404);
    });
  });
});
