// The payments stats trigger appends changes (payment_stats_changes) and a roll-up folds them into
// the aggregates: concurrent batches of settlements never wait for each other on an aggregate row,
// and the stats equal a count over payments before, during and after a roll-up.
import { Client } from 'pg';
import { paymentSeriesQuery, paymentStatsQuery } from '../src/payments/stats/payment-stats.service';
import { seriesWindow } from '../src/payments/stats/stats-series';
import { paymentFlow } from './support/payment-flow';
import { startTestApp } from './support/test-app';
import { createTestDatabase } from './support/test-database';
import { waitFor } from './support/wait-for';

const HOUR = 3600_000;

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** `count` pending payments created `hoursAgo` hours ago, each on its own referral. */
async function seedPending(pg: Client, tag: string, count: number, hoursAgo = 0): Promise<void> {
  await pg.query(
    `INSERT INTO referrals (patient_name, reason, amount, status, stk_phone_number)
     SELECT $1, i::text, 100 + i, 'pending-payment', '2547' || lpad((i + $3)::text, 8, '0') FROM generate_series(1, $2::int) AS i`,
    [tag, count, hoursAgo * 1000],
  );
  await pg.query(
    `INSERT INTO payments (referral_id, phone_number, amount, status, push_state, created_at)
     SELECT id, stk_phone_number, amount, 'pending', 'accepted', now() - ($2::int * interval '1 hour') FROM referrals WHERE patient_name = $1`,
    [tag, hoursAgo],
  );
}

/** Payments' ids by the aggregate shard the trigger used to bump for them (hashtext(id) & 15). */
async function idsByShard(pg: Client): Promise<Map<number, string[]>> {
  const { rows } = await pg.query<{ id: string; shard: number }>(`SELECT id, hashtext(id::text) & 15 AS shard FROM payments WHERE status = 'pending' ORDER BY seq`);
  const shards = new Map<number, string[]>();
  for (const row of rows) shards.set(row.shard, [...(shards.get(row.shard) ?? []), row.id]);
  return shards;
}

const settle = (pg: Client, ids: string[]) =>
  pg.query(`UPDATE payments SET status = 'completed', completed_at = now(), mpesa_transaction_id = 'R' || seq WHERE id = ANY($1::uuid[])`, [ids]);

async function statsByQuery(pg: Client): Promise<Record<string, { n: number; amount: number }>> {
  const query = paymentStatsQuery({});
  if (!query) throw new Error('an open range always has a query');
  const { rows } = await pg.query<{ status: string; payments: string; amount: string }>(query.sql, query.params);
  return Object.fromEntries(rows.filter((r) => Number(r.payments) !== 0).map((r) => [r.status, { n: Number(r.payments), amount: Number(r.amount) }]));
}

async function statsByCount(pg: Client): Promise<Record<string, { n: number; amount: number }>> {
  const { rows } = await pg.query<{ status: string; n: number; amount: string }>('SELECT status, count(*)::int AS n, sum(amount) AS amount FROM payments GROUP BY status');
  return Object.fromEntries(rows.map((r) => [r.status, { n: r.n, amount: Number(r.amount) }]));
}

const changesLeft = async (pg: Client) => (await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_stats_changes')).rows[0].n;
const rollUp = async (pg: Client) => Number((await pg.query<{ folded: string }>('SELECT payment_stats_roll_up() AS folded')).rows[0].folded);

describe('Payment stats: appended changes and the roll-up', () => {
  let url: string;
  let pg: Client;

  beforeEach(async () => {
    url = await createTestDatabase();
    pg = await connect(url);
  });
  afterEach(() => pg.end());

  it('lets two batches of settlements that cross the same shards run at once, without waiting or deadlock', async () => {
    await seedPending(pg, 'shards', 400);
    const shards = [...(await idsByShard(pg)).values()].filter((ids) => ids.length >= 2);
    expect(shards.length).toBeGreaterThanOrEqual(2);
    const [[a, d], [b, c]] = shards;
    const one = await connect(url);
    const two = await connect(url);
    try {
      // Before, each UPDATE held its shards' aggregate rows until commit: one waited for two on
      // b's shard while two waited for one on a's shard, and Postgres aborted one of them.
      for (const client of [one, two]) await client.query("SET lock_timeout = '2s'");
      await one.query('BEGIN');
      await two.query('BEGIN');
      await settle(one, [a]);
      await settle(two, [b]);
      await Promise.all([settle(one, [c]), settle(two, [d])]);
      await Promise.all([one.query('COMMIT'), two.query('COMMIT')]);
    } finally {
      await one.end();
      await two.end();
    }
    const { rows } = await pg.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM payments WHERE id = ANY($1::uuid[]) GROUP BY status`, [[a, b, c, d]]);
    expect(rows).toEqual([{ status: 'completed', n: 4 }]);
    expect(await statsByQuery(pg)).toEqual(await statsByCount(pg));
  });

  it('equals a count over payments before a roll-up, after it, and with changes on both sides of it', async () => {
    await seedPending(pg, 'now', 30);
    await seedPending(pg, 'earlier', 20, 30);
    const truth = await statsByCount(pg);
    expect(truth).toEqual({ pending: { n: 50, amount: 50 * 100 + (30 * 31) / 2 + (20 * 21) / 2 } });
    // Nothing rolled up yet: every change is in payment_stats_changes, and the stats read them.
    expect(await changesLeft(pg)).toBe(50);
    expect(await statsByQuery(pg)).toEqual(truth);

    expect(await rollUp(pg)).toBe(50);
    expect(await changesLeft(pg)).toBe(0);
    expect(await statsByQuery(pg)).toEqual(truth);

    // Settled after the roll-up: the aggregates say pending, the changes move them.
    const ids = [...(await idsByShard(pg)).values()].flat().slice(0, 12);
    await settle(pg, ids.slice(0, 8));
    await pg.query(`UPDATE payments SET status = 'failed' WHERE id = ANY($1::uuid[])`, [ids.slice(8)]);
    expect(await changesLeft(pg)).toBe(24);
    expect(await statsByQuery(pg)).toEqual(await statsByCount(pg));
    expect(await statsByQuery(pg)).toMatchObject({ pending: { n: 38 }, completed: { n: 8 }, failed: { n: 4 } });

    expect(await rollUp(pg)).toBe(24);
    expect(await statsByQuery(pg)).toEqual(await statsByCount(pg));
    // The hourly and daily tables each hold the whole count once rolled up.
    const { rows } = await pg.query<{ hourly: string; daily: string }>(
      `SELECT (SELECT sum(payments) FROM payment_stats_hourly) AS hourly, (SELECT sum(payments) FROM payment_stats_daily) AS daily`,
    );
    expect(rows[0]).toEqual({ hourly: '50', daily: '50' });
  });

  it('puts changes not rolled up yet in the right hour of a series', async () => {
    await seedPending(pg, 'now', 5);
    await seedPending(pg, 'three-hours-ago', 3, 3);
    const now = new Date();
    const window = seriesWindow({ from: new Date(now.getTime() - 6 * HOUR), to: new Date(now.getTime() + HOUR) }, 'hour', now);
    const query = paymentSeriesQuery(window);
    if (!query) throw new Error('a seven-hour window has a query');
    const read = async () => {
      const { rows } = await pg.query<{ at: string; status: string; payments: string }>(query.sql, query.params);
      return rows
        .filter((r) => Number(r.payments) !== 0)
        .map((r) => ({ hoursAgo: Math.round((Math.floor(now.getTime() / HOUR) * HOUR - Number(r.at)) / HOUR), status: r.status, payments: Number(r.payments) }))
        .sort((x, y) => x.hoursAgo - y.hoursAgo);
    };
    // The window's edges are partial hours read from payments; the hours between from the tables.
    const before = await read();
    expect(before).toEqual([
      { hoursAgo: 0, status: 'pending', payments: 5 },
      { hoursAgo: 3, status: 'pending', payments: 3 },
    ]);
    expect(await rollUp(pg)).toBe(8);
    expect(await read()).toEqual(before);
  });

  it('runs one roll-up at a time: a second one returns at once and leaves the changes to the first', async () => {
    await seedPending(pg, 'now', 4);
    const holder = await connect(url);
    try {
      await holder.query('BEGIN');
      expect(Number((await holder.query('SELECT payment_stats_roll_up() AS folded')).rows[0].folded)).toBe(4);
      // The first has deleted the changes but not committed: the second must not fold them again.
      expect(await rollUp(pg)).toBe(-1);
      expect(await statsByQuery(pg)).toEqual(await statsByCount(pg));
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    expect(await changesLeft(pg)).toBe(0);
    expect(await statsByQuery(pg)).toEqual(await statsByCount(pg));
  });

  it('is run by the worker on its schedule: a new payment is folded in within seconds', async () => {
    const t = await startTestApp({ role: 'all', env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    try {
      const flow = paymentFlow(t);
      const referralId = await flow.referralInPendingPayment('0712400001');
      expect((await flow.http.post(`/api/referrals/${referralId}/payments`, {})).status).toBe(202);
      await waitFor(async () => {
        const [{ left, rolled }] = await t.dataSource.query(
          `SELECT (SELECT count(*)::int FROM payment_stats_changes) AS left, (SELECT coalesce(sum(payments), 0)::int FROM payment_stats_hourly) AS rolled`,
        );
        return left === 0 && rolled === 1;
      }, 'the scheduled roll-up', 15_000, 250);
      // (The simulator may have answered the push meanwhile: one payment, in whichever status.)
      const stats = (await flow.http.get('/api/payments/stats', 'admin')).body;
      expect(stats.total).toBe(1);
      expect(stats.pending + stats.completed + stats.failed).toBe(1);
    } finally {
      await t.close();
    }
  });
});
