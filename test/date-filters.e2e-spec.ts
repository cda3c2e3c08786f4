// Issue 14, item 4: the `from`/`to` filters take every instant from 0001-01-01T00:00:00Z through
// 9999-12-31T23:59:59.999Z, in the forms the README lists, and every date filter answers alike.
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';

const DATE_ROUTES = ['/api/payments', '/api/payments/stats', '/api/receipts'];
const RANGE_MESSAGE = /between 0001-01-01 and 9999-12-31/;

describe('Date filters (from, to)', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let paymentId: string;
  const savedTz = process.env.TZ;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    flow = paymentFlow(t);
    const referralId = await flow.referralInPendingPayment('0712140401');
    paymentId = (await flow.http.post(`/api/referrals/${referralId}/payments`, {})).body.id;
  });
  afterAll(async () => {
    process.env.TZ = savedTz;
    await t.close();
  });

  const get = (route: string, query: string) => flow.http.get(`${route}?${query}`, 'admin');
  const listed = async (query: string) => {
    const res = await get('/api/payments', query);
    expect({ query, status: res.status }).toEqual({ query, status: 200 });
    return (res.body.items as { id: string }[]).some((p) => p.id === paymentId);
  };

  it.each(DATE_ROUTES)('%s takes the first and last days of the range: the whole history', async (route) => {
    const everything = await get(route, '');
    for (const query of [
      'from=0001-01-01',
      'from=0001-01-01T00:00:00Z',
      'to=9999-12-31',
      'to=9999-12-31T23:59:59.999Z',
      'from=0001-01-01&to=9999-12-31',
      'from=1970-01-01&to=2999-12-31',
    ]) {
      const res = await get(route, query);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
      expect(res.body).toEqual(everything.body);
    }
  });

  it.each(DATE_ROUTES)('%s answers 400 naming the accepted range for an instant outside it', async (route) => {
    for (const query of [
      'from=0000-12-31',
      'to=0000-01-01T00:00:00Z',
      `from=${encodeURIComponent('+010000-01-01')}`,
      `from=${encodeURIComponent('-000001-01-01')}`,
      `to=${encodeURIComponent('9999-12-31T23:59:59-03:00')}`, // 10000-01-01T02:59:59Z
      `from=${encodeURIComponent('0001-01-01T00:00:00+03:00')}`, // 0000-12-31T21:00:00Z
    ]) {
      const res = await get(route, query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.stringMatching(RANGE_MESSAGE) });
      expect(res.body.fields).toEqual([{ field: query.slice(0, query.indexOf('=')), messages: [expect.stringMatching(RANGE_MESSAGE)] }]);
    }
  });

  it('answers every value the same on every date filter', async () => {
    const values = ['0001-01-01', '2026-02-29', '2024-02-29', '2026-13-01', '2026-01-01T24:00:00Z', '2026-W01', '20260101', '2026-001', '2026-01', '2026', 'yesterday', '', '2026-01-01T10:00:00.123456Z'];
    for (const value of values) {
      const answers = [];
      for (const route of DATE_ROUTES) {
        for (const field of ['from', 'to']) {
          const res = await get(route, `${field}=${encodeURIComponent(value)}`);
          answers.push({ status: res.status, message: res.body.message?.replace(/^(from|to)\b/, 'X') });
        }
      }
      expect({ value, answers: new Set(answers.map((a) => JSON.stringify(a))).size }).toEqual({ value, answers: 1 });
    }
  });

  it('refuses forms other than a date or a date-time with 400, saying which forms it takes', async () => {
    for (const value of ['2026-W01', '20260101', '2026-001', '2026-01', '2026', '2026-02-30', '2026-01-01T10']) {
      for (const route of DATE_ROUTES) {
        const res = await get(route, `from=${encodeURIComponent(value)}`);
        expect({ route, value, status: res.status }).toEqual({ route, value, status: 400 });
        expect(res.body.fields[0].field).toBe('from');
      }
    }
    const shape = await get('/api/payments', 'from=2026-W01');
    expect(shape.body.message).toContain('YYYY-MM-DD');
  });

  it('reads a date-time without an offset as UTC, whatever the server time zone', async () => {
    const created = new Date((await flow.payment(paymentId) as unknown as { createdAt: string }).createdAt);
    const inAMinute = new Date(created.getTime() + 60_000).toISOString().slice(0, 16); // YYYY-MM-DDTHH:mm, no offset
    process.env.TZ = 'Africa/Nairobi';
    try {
      expect(await listed(`to=${inAMinute}`)).toBe(true);
      expect(await listed(`to=${inAMinute}Z`)).toBe(true);
      // The same instant in Nairobi time, with its offset; and "+" sent unencoded arrives as a space.
      const nairobi = new Date(created.getTime() + 60_000 + 3 * 3600_000).toISOString().slice(0, 16);
      expect(await listed(`to=${encodeURIComponent(`${nairobi}+03:00`)}`)).toBe(true);
      expect(await listed(`to=${nairobi}+03:00`)).toBe(true);
      expect(await listed(`from=${inAMinute}`)).toBe(false);
    } finally {
      process.env.TZ = savedTz;
    }
  });
});
