// Issue 15, item 8: GET /api/payments/stats/series against the real aggregates. Payments are
// written at known instants (SQL, through the same trigger every payment change goes through), and
// every point is checked against them: zeros where nothing happened, partial intervals at the
// edges, the defaults, the 744-point limit and the refusals.
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';

type Point = { at: string; total: number; pending: number; completed: number; failed: number; totalAmount: number };
type Status = 'pending' | 'completed' | 'failed';

const zero = (at: string): Point => ({ at, total: 0, pending: 0, completed: 0, failed: 0, totalAmount: 0 });
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('GET /api/payments/stats/series', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let referralId: string;
  let pendingId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    flow = paymentFlow(t);
    referralId = (await flow.http.post('/api/referrals', { patientName: 'Series Patient' }).expect(201)).body.id;
    // Settled payments of one referral, at known instants (UTC), around the first week of November 2025.
    await insert('2025-10-31T23:59:59.999Z', 'completed', 9_999);
    await insert('2025-11-03T08:15:00Z', 'completed', 1_000);
    await insert('2025-11-03T08:45:00Z', 'failed', 500);
    await insert('2025-11-03T09:10:00Z', 'completed', 250);
    await insert('2025-11-06T00:00:00Z', 'completed', 2_000);
    await insert('2025-11-06T13:30:00Z', 'failed', 400);
    // A pending one, on a referral of its own that is waiting for it (at most one pending per referral).
    const waiting = await flow.referralInPendingPayment('0712150801');
    pendingId = await insert('2025-11-04T23:59:59.999Z', 'pending', 700, waiting);
  });
  afterAll(() => t.close());

  async function insert(at: string, status: Status, amount: number, referral = referralId): Promise<string> {
    const [row] = await t.dataSource.query(
      `INSERT INTO payments (referral_id, phone_number, amount, status, push_state, attempts, created_at, updated_at, completed_at)
       VALUES ($1, '254712150800', $2, $3::varchar, 'accepted', 1, $4::timestamptz, $4::timestamptz, CASE WHEN $3::varchar = 'completed' THEN $4::timestamptz END) RETURNING id`,
      [referral, amount, status, at],
    );
    return row.id as string;
  }

  const get = (query: string) => flow.http.get(`/api/payments/stats/series${query}`, 'admin');
  async function series(query: string): Promise<Point[]> {
    const res = await get(query);
    expect({ query, status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ query, status: 200, body: 'ok' });
    return res.body;
  }
  /** The same figures counted straight from the payments table. */
  async function directCount(from: Date, to: Date): Promise<Omit<Point, 'at'>> {
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0)::int AS "totalAmount"
         FROM payments WHERE created_at >= $1 AND created_at < $2`,
      [from, to],
    );
    return row;
  }

  it('answers one point per UTC day, oldest first, with zeros for the empty days', async () => {
    expect(await series('?from=2025-11-01&to=2025-11-07&interval=day')).toEqual([
      zero('2025-11-01T00:00:00.000Z'),
      zero('2025-11-02T00:00:00.000Z'),
      { at: '2025-11-03T00:00:00.000Z', total: 3, pending: 0, completed: 2, failed: 1, totalAmount: 1_250 },
      { at: '2025-11-04T00:00:00.000Z', total: 1, pending: 1, completed: 0, failed: 0, totalAmount: 0 },
      zero('2025-11-05T00:00:00.000Z'),
      { at: '2025-11-06T00:00:00.000Z', total: 2, pending: 0, completed: 1, failed: 1, totalAmount: 2_000 },
      zero('2025-11-07T00:00:00.000Z'),
    ]);
    // interval=day is the default; the last millisecond of October stays in October.
    expect(await series('?from=2025-10-31&to=2025-11-01')).toEqual([
      { at: '2025-10-31T00:00:00.000Z', total: 1, pending: 0, completed: 1, failed: 0, totalAmount: 9_999 },
      zero('2025-11-01T00:00:00.000Z'),
    ]);
  });

  it('answers one point per UTC hour', async () => {
    expect(await series('?from=2025-11-03T07:00Z&to=2025-11-03T11:00Z&interval=hour')).toEqual([
      zero('2025-11-03T07:00:00.000Z'),
      { at: '2025-11-03T08:00:00.000Z', total: 2, pending: 0, completed: 1, failed: 1, totalAmount: 1_000 },
      { at: '2025-11-03T09:00:00.000Z', total: 1, pending: 0, completed: 1, failed: 0, totalAmount: 250 },
      zero('2025-11-03T10:00:00.000Z'),
    ]);
  });

  it('clips the intervals a bound falls inside to [from, to), so the points add up to the stats', async () => {
    // Offsets are read as the filters read them everywhere: 11:30+03:00 is 08:30Z.
    expect(await series(`?from=${encodeURIComponent('2025-11-03T11:30:00+03:00')}&to=2025-11-03T09:05Z&interval=hour`)).toEqual([
      { at: '2025-11-03T08:00:00.000Z', total: 1, pending: 0, completed: 0, failed: 1, totalAmount: 0 },
      zero('2025-11-03T09:00:00.000Z'),
    ]);
    expect(await series('?from=2025-11-03T09:00Z&to=2025-11-06T06:00Z')).toEqual([
      { at: '2025-11-03T00:00:00.000Z', total: 1, pending: 0, completed: 1, failed: 0, totalAmount: 250 },
      { at: '2025-11-04T00:00:00.000Z', total: 1, pending: 1, completed: 0, failed: 0, totalAmount: 0 },
      zero('2025-11-05T00:00:00.000Z'),
      { at: '2025-11-06T00:00:00.000Z', total: 1, pending: 0, completed: 1, failed: 0, totalAmount: 2_000 },
    ]);
    expect(await series('?from=2025-11-03T09:10Z&to=2025-11-03T09:10Z&interval=hour')).toEqual([]);
  });

  it('equals a direct count in every point, and the stats in sum, over random ranges', async () => {
    // Their own June: 300 payments at random instants, so that edges land among payments.
    const lo = Date.parse('2025-06-01T00:00:00Z');
    const span = 12 * DAY;
    const at = () => new Date(lo + Math.floor(Math.random() * 2 * span)).toISOString();
    for (let i = 0; i < 290; i++) await insert(at(), i % 3 === 0 ? 'failed' : 'completed', 1 + Math.floor(Math.random() * 5000));
    for (let i = 0; i < 10; i++) {
      const own = (await flow.http.post('/api/referrals', { patientName: `Series Pending ${i}` }).expect(201)).body.id as string;
      await insert(at(), 'pending', 100 + i, own);
    }
    for (let i = 0; i < 30; i++) {
      const interval = i % 2 === 0 ? 'hour' : 'day';
      const unit = interval === 'hour' ? HOUR : DAY;
      const a = lo + Math.floor(Math.random() * span);
      // Millisecond bounds, some of them whole hours or days.
      const from = i % 5 === 0 ? Math.floor(a / unit) * unit : a;
      const to = Math.min(from + 1 + Math.floor(Math.random() * (interval === 'hour' ? 5 * DAY : span)), lo + 2 * span);
      const query = `?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&interval=${interval}`;
      const points = await series(query);
      const first = Math.floor(from / unit) * unit;
      expect({ query, points: points.length }).toEqual({ query, points: Math.ceil(to / unit) - first / unit });
      for (const [k, point] of points.entries()) {
        const start = first + k * unit;
        const expected = await directCount(new Date(Math.max(start, from)), new Date(Math.min(start + unit, to)));
        expect({ query, point }).toEqual({ query, point: { at: new Date(start).toISOString(), ...expected } });
      }
      const stats = (await flow.http.get(`/api/payments/stats${query.replace(/&interval=\w+/, '')}`, 'admin').expect(200)).body;
      const sum = (key: keyof Omit<Point, 'at'>) => points.reduce((n, p) => n + p[key], 0);
      expect({ query, sums: [sum('total'), sum('pending'), sum('completed'), sum('failed'), sum('totalAmount')] }).toEqual({
        query,
        sums: [stats.total, stats.pending, stats.completed, stats.failed, stats.totalAmount],
      });
    }
  });

  it('follows a payment that settles: the trigger moves it from pending to completed in its own interval', async () => {
    const before = await series('?from=2025-11-04&to=2025-11-04');
    expect(before).toEqual([{ at: '2025-11-04T00:00:00.000Z', total: 1, pending: 1, completed: 0, failed: 0, totalAmount: 0 }]);
    await flow.http.post('/api/update-payment-status', { paymentId: pendingId, status: 'completed', reason: 'series test' }, 'admin').expect(200);
    expect(await series('?from=2025-11-04&to=2025-11-04')).toEqual([{ at: '2025-11-04T00:00:00.000Z', total: 1, pending: 0, completed: 1, failed: 0, totalAmount: 700 }]);
    expect(await series('?from=2025-11-04T23:00Z&to=2025-11-05T01:00Z&interval=hour')).toEqual([
      { at: '2025-11-04T23:00:00.000Z', total: 1, pending: 0, completed: 1, failed: 0, totalAmount: 700 },
      zero('2025-11-05T00:00:00.000Z'),
    ]);
  });

  it('defaults to the last 30 days, today included, and to the last 48 hours by hour', async () => {
    // A payment made now, through the API: it is in today's point and this hour's.
    const now = await flow.referralInPendingPayment('0712150802', { amount: 321 });
    const started = (await flow.http.post(`/api/referrals/${now}/payments`, {}).expect(202)).body as { createdAt: string };
    for (const [query, unit, count] of [['', DAY, 30], ['?interval=hour', HOUR, 48]] as const) {
      const before = Math.floor(Date.now() / unit) * unit;
      const points = await series(query);
      const after = Math.floor(Date.now() / unit) * unit;
      expect(points).toHaveLength(count);
      const last = Date.parse(points[count - 1].at);
      expect([before, after]).toContain(last);
      expect(Date.parse(points[0].at)).toBe(last - (count - 1) * unit);
      for (let k = 1; k < count; k++) expect(Date.parse(points[k].at) - Date.parse(points[k - 1].at)).toBe(unit);
      const mine = points.find((p) => Date.parse(p.at) === Math.floor(Date.parse(started.createdAt) / unit) * unit);
      expect(mine).toMatchObject({ total: 1, pending: 1, totalAmount: 0 });
    }
    // Only `to`: the 30 days (48 hours) before the end of the interval `to` falls in.
    const november = await series('?to=2025-11-30');
    expect([november.length, november[0].at, november[29].at]).toEqual([30, '2025-11-01T00:00:00.000Z', '2025-11-30T00:00:00.000Z']);
    const hours = await series('?to=2025-11-06T13:30Z&interval=hour');
    expect([hours.length, hours[0].at, hours[47].at]).toEqual([48, '2025-11-04T14:00:00.000Z', '2025-11-06T13:00:00.000Z']);
    expect(hours[47]).toEqual(zero('2025-11-06T13:00:00.000Z')); // the failure at 13:30 is at `to`, outside
  });

  it('takes 744 points and refuses 745, naming from and to', async () => {
    const hours = await series('?from=2025-10-01&to=2025-10-31&interval=hour');
    expect([hours.length, hours[0].at, hours[743].at]).toEqual([744, '2025-10-01T00:00:00.000Z', '2025-10-31T23:00:00.000Z']);
    expect(hours.filter((p) => p.total > 0)).toEqual([{ at: '2025-10-31T23:00:00.000Z', total: 1, pending: 0, completed: 1, failed: 0, totalAmount: 9_999 }]);
    expect((await series('?from=2024-01-01&to=2026-01-13')).length).toBe(744);

    for (const query of ['?from=2025-10-01&to=2025-11-01T00:00:01Z&interval=hour', '?from=2024-01-01&to=2026-01-14', '?from=0001-01-01&to=9999-12-31', '?from=2025-10-01&interval=hour']) {
      const res = await get(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.stringMatching(/a series has at most 744 points/) });
      expect(res.body.fields.map((f: { field: string }) => f.field)).toEqual(['from', 'to']);
    }
  });

  it('reaches the first and last days the date filters take', async () => {
    const first = await series('?from=0001-01-01&to=0001-01-03');
    expect(first.map((p) => p.at)).toEqual(['0001-01-01T00:00:00.000Z', '0001-01-02T00:00:00.000Z', '0001-01-03T00:00:00.000Z']);
    const last = await series('?from=9999-12-30&to=9999-12-31');
    expect(last).toEqual([zero('9999-12-30T00:00:00.000Z'), zero('9999-12-31T00:00:00.000Z')]);
    expect((await series('?from=9999-12-31T22:00Z&to=9999-12-31T23:59:59.999Z&interval=hour')).map((p) => p.at)).toEqual([
      '9999-12-31T22:00:00.000Z',
      '9999-12-31T23:00:00.000Z',
    ]);
  });

  it('refuses a bad interval, a bad date and an unknown parameter as the other routes do', async () => {
    for (const [query, field] of [
      ['?interval=week', 'interval'],
      ['?interval=HOUR', 'interval'],
      ['?interval=', 'interval'],
      ['?from=soon', 'from'],
      ['?to=2026-02-30', 'to'],
      ['?from=2025-11-03&to=2025-11-01', 'from'],
      ['?from=2999-01-01', 'from'], // after the default `to`, the end of today
      ['?bucket=day', 'bucket'],
    ] as const) {
      const res = await get(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', fields: [expect.objectContaining({ field })] });
    }
    expect((await get('?interval=week')).body.message).toBe('interval must be one of: hour, day');
    // A bad date is answered word for word as GET /api/payments/stats answers it.
    for (const query of ['?from=2026-W01', '?to=0000-12-31', '?from=2025-11-03&to=2025-11-01']) {
      const stats = await flow.http.get(`/api/payments/stats${query}`, 'admin');
      expect({ query, body: (await get(query)).body }).toEqual({ query, body: stats.body });
    }
  });

  it('is for admins only', async () => {
    expect((await flow.http.raw.get('/api/payments/stats/series')).status).toBe(401);
    const staff = await flow.http.get('/api/payments/stats/series', 'staff');
    expect(staff.status).toBe(403);
    expect(staff.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
  });
});
