// Issue 14, item 3: a list is ordered by the createdAt it shows (ties broken by insertion), so
// "newest first" and "oldest first" agree with the timestamps even when a transaction that began
// earlier inserts its row later, and paging with cursors neither repeats nor skips a row, also
// while rows are being added.
import type { QueryRunner } from 'typeorm';
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';

interface Row {
  id: string;
  createdAt: string;
}

describe('List order agrees with createdAt', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  const phone = '254712140301';
  let lateReferralId: string;

  /** A transaction that starts now, so every row it inserts gets this moment as its createdAt (now()). */
  async function earlyTransaction(): Promise<QueryRunner> {
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('SELECT now()');
    await new Promise((resolve) => setTimeout(resolve, 20));
    return runner;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    flow = paymentFlow(t);
    // Referrals: one inserted by a transaction that began before another, committed after it.
    const early = await earlyTransaction();
    try {
      await flow.http.post('/api/referrals', { patientName: 'Committed first' }).expect(201);
      lateReferralId = (await early.query(`INSERT INTO referrals (patient_name, amount) VALUES ('Began first', 100) RETURNING id`))[0].id;
      await early.commitTransaction();
    } finally {
      await early.release();
    }
    // Payments: the same race, on two referrals with one phone number, both pending.
    const a = await flow.referralInPendingPayment(phone);
    const b = await flow.referralInPendingPayment(phone);
    const earlyPayment = await earlyTransaction();
    try {
      await flow.http.post(`/api/referrals/${b}/payments`, {}).expect(202);
      await earlyPayment.query(`INSERT INTO payments (referral_id, phone_number, amount) VALUES ($1, $2, 100)`, [a, phone]);
      await earlyPayment.commitTransaction();
    } finally {
      await earlyPayment.release();
    }
    // And one referral with two payments in that order, for GET /api/referrals/:id/payments.
    const c = await flow.referralInPendingPayment('0712140302');
    const first = (await flow.http.post(`/api/referrals/${c}/payments`, {})).body.id;
    await flow.http.post('/api/update-payment-status', { paymentId: first, status: 'failed', reason: 'test' }, 'admin').expect(200);
    const earlyRetry = await earlyTransaction();
    try {
      await flow.http.post(`/api/payments/${first}/retry`).expect(202);
      await earlyRetry.query(`INSERT INTO payments (referral_id, phone_number, amount, status) VALUES ($1, '254712140302', 100, 'failed')`, [c]);
      await earlyRetry.commitTransaction();
    } finally {
      await earlyRetry.release();
    }
  });
  afterAll(() => t.close());

  async function walk(route: string, limit: number): Promise<Row[]> {
    const rows: Row[] = [];
    let cursor: string | null = null;
    do {
      const sep = route.includes('?') ? '&' : '?';
      const res = await flow.http.get(`${route}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, 'admin');
      expect(res.status).toBe(200);
      rows.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return rows;
  }

  const newestFirst = (rows: Row[]) => rows.every((row, i) => i === 0 || Date.parse(rows[i - 1].createdAt) >= Date.parse(row.createdAt));
  const oldestFirst = (rows: Row[]) => rows.every((row, i) => i === 0 || Date.parse(rows[i - 1].createdAt) <= Date.parse(row.createdAt));

  it.each([
    ['/api/referrals', newestFirst],
    ['/api/payments', newestFirst],
    [`/api/payments/by-phone/${phone}`, newestFirst],
    ['/api/payments/pending', oldestFirst],
  ] as const)('%s is in createdAt order, one page or many, without repeats or gaps', async (route, ordered) => {
    const whole = await walk(route, 200);
    expect(whole.length).toBeGreaterThanOrEqual(2);
    expect({ route, ordered: ordered(whole) }).toEqual({ route, ordered: true });
    const paged = await walk(route, 1);
    expect(paged.map((r) => r.id)).toEqual(whole.map((r) => r.id));
  });

  it('puts the referral whose transaction began first after the one committed first (newest first by createdAt)', async () => {
    const referrals = (await walk('/api/referrals', 200)) as (Row & { patientName: string })[];
    const names = referrals.map((r) => r.patientName);
    expect(names.indexOf('Committed first')).toBe(names.length - 2);
    expect(referrals[referrals.length - 1].id).toBe(lateReferralId);
  });

  it('lists a referral payments newest first by createdAt too', async () => {
    const referrals = (await walk('/api/referrals', 200)) as (Row & { patientName: string; stkPhoneNumber: string | null })[];
    const c = referrals.find((r) => r.stkPhoneNumber === '254712140302')!;
    const payments = (await flow.http.get(`/api/referrals/${c.id}/payments`)).body as Row[];
    expect(payments).toHaveLength(3);
    expect(newestFirst(payments)).toBe(true);
  });

  it("retries the referral's latest failed payment by createdAt: the first failed one its list shows", async () => {
    const d = await flow.referralInPendingPayment('0712140303');
    const early = await earlyTransaction();
    let newest: string;
    try {
      newest = (await flow.http.post(`/api/referrals/${d}/payments`, {})).body.id;
      await flow.http.post('/api/update-payment-status', { paymentId: newest, status: 'failed', reason: 'test' }, 'admin').expect(200);
      await early.query(`INSERT INTO payments (referral_id, phone_number, amount, status) VALUES ($1, '254712140303', 100, 'failed')`, [d]);
      await early.commitTransaction();
    } finally {
      await early.release();
    }
    const listed = (await flow.http.get(`/api/referrals/${d}/payments`)).body as Row[];
    expect(listed[0].id).toBe(newest);
    const retry = await flow.http.post(`/api/referrals/${d}/payments/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body.retryOf).toBe(newest);
  });

  it('keeps a walk stable while rows are added: every row that existed is seen once, in order', async () => {
    const before = await walk('/api/payments', 200);
    const seen: Row[] = [];
    let cursor: string | null = null;
    let added = 0;
    do {
      const res = await flow.http.get(`/api/payments?limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'admin');
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (added < 2) {
        const referralId = await flow.referralInPendingPayment(`07121403${10 + added}`);
        await flow.http.post(`/api/referrals/${referralId}/payments`, {}).expect(202);
        added++;
      }
    } while (cursor);
    expect(seen.map((r) => r.id)).toEqual(before.map((r) => r.id));
  });

  it('still takes a cursor of the form issued before (s:<seq>), continuing after the row it names', async () => {
    const whole = await walk('/api/payments', 200);
    const [{ seq }] = await t.dataSource.query(`SELECT seq::text AS seq FROM payments WHERE id = $1`, [whole[0].id]);
    const old = Buffer.from(`s:${seq}`).toString('base64url');
    const res = await flow.http.get(`/api/payments?limit=200&cursor=${old}`, 'admin');
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: Row) => r.id)).toEqual(whole.slice(1).map((r) => r.id));
  });
});
