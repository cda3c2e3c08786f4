// Callbacks applied in batches (one transaction for many) must end exactly as if each had been
// applied alone, in arrival order: same payments, history, referrals and callback verdicts. Two
// identical "worlds" of payments receive the same random mix of callbacks; one world's are applied
// as one batch, the other's one by one, and the two are compared. Then the batching itself: over
// HTTP under concurrency, and two batches racing for the same callbacks.
import { Client } from 'pg';
import { CallbackApplicationService } from '../src/payments/callbacks/callback-application.service';
import { CallbackApplyQueue } from '../src/payments/callbacks/callback-apply.queue';
import { CallbackIngestionService } from '../src/payments/callbacks/callback-ingestion.service';
import { DEV_CALLBACK_PATH, failureCallback, successCallback } from './support/callbacks';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const AMOUNT = 1000;
const phoneOf = (i: number) => `2547120000${String(i).padStart(2, '0')}`;

type CallbackSpec =
  | { kind: 'success' | 'wrong-amount' | 'other-phone'; payment: number; receipt: number }
  | { kind: 'failure' | 'no-receipt' | 'unreadable'; payment: number }
  | { kind: 'unknown-checkout'; receipt: number };

/** A small deterministic generator, so a failing mix can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  return (below: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % below;
  };
}

function mixOf(seed: number, payments: number, count: number): CallbackSpec[] {
  const next = random(seed);
  const kinds = ['success', 'success', 'success', 'failure', 'wrong-amount', 'other-phone', 'no-receipt', 'unreadable', 'unknown-checkout'] as const;
  return Array.from({ length: count }, (_, n): CallbackSpec => {
    const kind = kinds[next(kinds.length)];
    const payment = next(payments);
    // Few receipts, so some are reused across payments, as a forged or confused callback would.
    const receipt = next(payments + 2);
    if (kind === 'unknown-checkout') return { kind, receipt: receipt + 100 * n };
    if (kind === 'failure' || kind === 'no-receipt' || kind === 'unreadable') return { kind, payment };
    return { kind, payment, receipt };
  });
}

interface World {
  tag: string;
  referralIds: string[];
  paymentIds: string[];
}

describe('Callbacks applied in batches', () => {
  let t: TestApp;
  let application: CallbackApplicationService;
  let ingestion: CallbackIngestionService;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
    application = t.app.get(CallbackApplicationService);
    ingestion = t.app.get(CallbackIngestionService);
  });
  afterAll(async () => t?.close());

  async function world(tag: string, size: number): Promise<World> {
    const referrals: { id: string }[] = await t.dataSource.query(
      `INSERT INTO referrals (patient_name, reason, amount, status, stk_phone_number, stk_sent_count)
       SELECT $1, i::text, $3, 'pending-payment', '2547120000' || lpad(i::text, 2, '0'), 1 FROM generate_series(0, $2::int - 1) i ORDER BY i
       RETURNING id`,
      [tag, size, AMOUNT],
    );
    const payments: { id: string }[] = [];
    for (const [i, { id }] of referrals.entries()) {
      const [row] = await t.dataSource.query(
        `INSERT INTO payments (referral_id, phone_number, amount, push_state, stk_request_id, attempts) VALUES ($1, $2, $3, 'accepted', $4, 1) RETURNING id`,
        [id, phoneOf(i), AMOUNT, `ws_CO_${tag}_${i}`],
      );
      payments.push(row);
    }
    return { tag, referralIds: referrals.map((r) => r.id), paymentIds: payments.map((p) => p.id) };
  }

  function bodyOf(w: World, spec: CallbackSpec, n: number): { raw: string; checkoutRequestId: string } {
    const receipt = (k: number) => `${w.tag}R${k}`;
    let body: unknown;
    if (spec.kind === 'unknown-checkout') body = successCallback(`ws_CO_${w.tag}_nobody_${spec.receipt}`, AMOUNT, phoneOf(0), receipt(spec.receipt));
    else {
      const checkout = `ws_CO_${w.tag}_${spec.payment}`;
      const phone = phoneOf(spec.payment);
      if (spec.kind === 'success') body = successCallback(checkout, AMOUNT, phone, receipt(spec.receipt));
      else if (spec.kind === 'wrong-amount') body = successCallback(checkout, AMOUNT + 1, phone, receipt(spec.receipt));
      else if (spec.kind === 'other-phone') body = successCallback(checkout, AMOUNT, '254799999999', receipt(spec.receipt));
      else if (spec.kind === 'failure') body = failureCallback(checkout, 1032, `Request cancelled by user ${n}`);
      else if (spec.kind === 'no-receipt') {
        const success = successCallback(checkout, AMOUNT, phone, 'unused');
        success.Body.stkCallback.CallbackMetadata.Item = success.Body.stkCallback.CallbackMetadata.Item.filter((item) => item.Name !== 'MpesaReceiptNumber');
        body = success;
      } else body = { Body: { stkCallback: { CheckoutRequestID: checkout, ResultDesc: `no result code ${n}` } } };
    }
    const checkoutRequestId = (body as { Body: { stkCallback: { CheckoutRequestID: string } } }).Body.stkCallback.CheckoutRequestID;
    return { raw: JSON.stringify(body), checkoutRequestId };
  }

  /** Stores the mix's callbacks one after another (so their arrival order is the mix's order). */
  async function store(w: World, mix: CallbackSpec[]): Promise<string[]> {
    const ids: string[] = [];
    for (const [n, spec] of mix.entries()) {
      const { raw, checkoutRequestId } = bodyOf(w, spec, n);
      const stored = await ingestion.store(raw, JSON.parse(raw), checkoutRequestId, null);
      if (stored.isNew) ids.push(stored.id);
    }
    return ids;
  }

  /** Everything the callbacks changed, with this world's ids and tag replaced by positions. */
  async function outcome(w: World, callbackIds: string[]) {
    const plain = (text: string | null) => {
      let out = text ?? '';
      w.paymentIds.forEach((id, i) => (out = out.split(id).join(`payment#${i}`)));
      return out.split(w.tag).join('W');
    };
    const payments = await t.dataSource.query(
      `SELECT p.id, p.status, p.push_state, p.result_code, p.mpesa_transaction_id, p.error_message, p.next_query_at IS NOT NULL AS query_soon,
              r.status AS referral_status, (SELECT count(*)::int FROM referral_status_changes c WHERE c.referral_id = r.id) AS referral_changes,
              (SELECT json_agg(json_build_array(e.type, e.from_status, e.to_status, e.source, e.detail->>'resultCode') ORDER BY e.id)
                 FROM payment_events e WHERE e.payment_id = p.id) AS events
         FROM payments p JOIN referrals r ON r.id = p.referral_id WHERE p.id = ANY($1::uuid[])`,
      [w.paymentIds],
    );
    const callbacks = await t.dataSource.query(`SELECT id, state, payment_id, note FROM mpesa_callbacks WHERE id = ANY($1::uuid[])`, [callbackIds]);
    const byId = new Map(callbacks.map((c: { id: string }) => [c.id, c]));
    return {
      payments: w.paymentIds.map((id) => {
        const p = payments.find((row: { id: string }) => row.id === id);
        return { ...p, id: undefined, mpesa_transaction_id: plain(p.mpesa_transaction_id), error_message: plain(p.error_message), events: JSON.parse(plain(JSON.stringify(p.events))) };
      }),
      callbacks: callbackIds.map((id) => {
        const c = byId.get(id) as { state: string; payment_id: string | null; note: string | null };
        return { state: c.state, payment: c.payment_id ? w.paymentIds.indexOf(c.payment_id) : null, note: plain(c.note) };
      }),
    };
  }

  it.each([1, 2, 3, 4])('one batch ends exactly as one-by-one in arrival order (mix seed %i)', async (seed) => {
    const mix = mixOf(seed, 6, 40);
    const batched = await world(`b${seed}`, 6);
    const single = await world(`s${seed}`, 6);
    const batchedIds = await store(batched, mix);
    const singleIds = await store(single, mix);
    expect(batchedIds).toHaveLength(singleIds.length);

    const states = await application.applyMany(batchedIds);
    expect(states.size).toBe(batchedIds.length);
    for (const id of singleIds) await application.apply(id);

    const fromBatch = await outcome(batched, batchedIds);
    expect(fromBatch).toEqual(await outcome(single, singleIds));
    // The mix exercised more than the happy path.
    expect(new Set(fromBatch.callbacks.map((c) => c.state)).size).toBeGreaterThanOrEqual(4);
    // A referral is paid exactly when its payment completed, with one history row for it.
    for (const p of fromBatch.payments) {
      expect(p.referral_status).toBe(p.status === 'completed' ? 'paid' : 'pending-payment');
      expect(p.referral_changes).toBe(p.status === 'completed' ? 1 : 0);
    }
  });

  it('applies a callback whose row another transaction held when its batch ran, without waiting for a sweep', async () => {
    // The usual holder: the INSERT of its second delivery, counting itself (deliveries + 1), which
    // runs as the next ingest batch while this one is applied. This app has no sweeper.
    const w = await world('held', 1);
    const body = successCallback('ws_CO_held_0', AMOUNT, phoneOf(0), 'HELDRCPT01');
    const raw = JSON.stringify(body);
    const stored = await ingestion.store(raw, body, 'ws_CO_held_0', '127.0.0.1');
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM mpesa_callbacks WHERE id = $1 FOR UPDATE', [stored.id]);
      t.app.get(CallbackApplyQueue).submit(stored.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [held] = await t.dataSource.query('SELECT state FROM mpesa_callbacks WHERE id = $1', [stored.id]);
      expect(held.state).toBe('received');
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    await waitFor(async () => {
      const [row] = await t.dataSource.query('SELECT state FROM mpesa_callbacks WHERE id = $1', [stored.id]);
      return row.state === 'applied';
    }, 'the held callback to be applied', 5_000);
    const [payment] = await t.dataSource.query('SELECT status, mpesa_transaction_id FROM payments WHERE id = $1', [w.paymentIds[0]]);
    expect(payment).toEqual({ status: 'completed', mpesa_transaction_id: 'HELDRCPT01' });
  });

  it('applies a burst of callbacks over HTTP once each, whatever the batches', async () => {
    const w = await world('burst', 60);
    const bodies = w.paymentIds.map((_, i) => successCallback(`ws_CO_burst_${i}`, AMOUNT, phoneOf(i), `BURST${i}`));
    // Each delivered twice, all at once: the repeats must change nothing.
    const responses = await Promise.all([...bodies, ...bodies].map((body) => fetch(`${t.baseUrl}${DEV_CALLBACK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));

    await waitFor(async () => {
      const [{ open }] = await t.dataSource.query(`SELECT count(*)::int AS open FROM mpesa_callbacks WHERE checkout_request_id LIKE 'ws_CO_burst_%' AND state = 'received'`);
      return open === 0;
    }, 'every burst callback to be applied');
    const [summary] = await t.dataSource.query(
      `SELECT count(*) FILTER (WHERE p.status = 'completed' AND r.status = 'paid')::int AS paid,
              (SELECT count(*)::int FROM payment_events e WHERE e.payment_id = ANY($1::uuid[]) AND e.type = 'status-changed') AS changes,
              (SELECT count(*)::int FROM mpesa_callbacks c WHERE c.checkout_request_id LIKE 'ws_CO_burst_%' AND c.state = 'applied' AND c.deliveries = 2) AS applied_twice_delivered
         FROM payments p JOIN referrals r ON r.id = p.referral_id WHERE p.id = ANY($1::uuid[])`,
      [w.paymentIds],
    );
    expect(summary).toEqual({ paid: 60, changes: 60, applied_twice_delivered: 60 });
  });

  it('stores callbacks arriving together in shared inserts: one row per callback, every delivery counted, one of them new', async () => {
    const w = await world('store', 3);
    const raws = w.paymentIds.map((_, i) => JSON.stringify(successCallback(`ws_CO_store_${i}`, AMOUNT, phoneOf(i), `STORE${i}`)));
    // 30 at once: the first goes alone, the rest wait and share inserts, repeats inside one of them.
    const deliveries = Array.from({ length: 30 }, (_, n) => raws[n % 3]);
    const stored = await Promise.all(deliveries.map((raw, n) => ingestion.store(raw, JSON.parse(raw), `ws_CO_store_${n % 3}`, '127.0.0.1')));
    for (let i = 0; i < 3; i++) {
      const mine = stored.filter((_, n) => n % 3 === i);
      expect(new Set(mine.map((s) => s.id)).size).toBe(1);
      expect(mine.filter((s) => s.isNew)).toHaveLength(1);
    }
    const rows = await t.dataSource.query(`SELECT deliveries, state FROM mpesa_callbacks WHERE checkout_request_id LIKE 'ws_CO_store_%'`);
    expect(rows).toEqual([0, 1, 2].map(() => ({ deliveries: 10, state: 'received' })));
  });

  it('fails only the callback that cannot be stored, not the others stored with it', async () => {
    const raw = (n: number) => JSON.stringify(failureCallback(`ws_CO_badrow_${n}`, 1032, `cancelled ${n}`));
    const attempts = Array.from({ length: 12 }, (_, n) =>
      // One source address longer than its column: that insert fails.
      ingestion.store(raw(n), JSON.parse(raw(n)), `ws_CO_badrow_${n}`, n === 7 ? 'x'.repeat(200) : '127.0.0.1'),
    );
    const results = await Promise.allSettled(attempts);
    expect(results.map((r) => r.status)).toEqual(results.map((_, n) => (n === 7 ? 'rejected' : 'fulfilled')));
    const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM mpesa_callbacks WHERE checkout_request_id LIKE 'ws_CO_badrow_%'`);
    expect(count).toBe(11);
  });

  it('two batches racing for the same callbacks apply each one once', async () => {
    const w = await world('race', 30);
    const mix: CallbackSpec[] = w.paymentIds.map((_, i) => ({ kind: 'success', payment: i, receipt: i }));
    const ids = await store(w, mix);
    const [first, second] = await Promise.all([application.applyMany(ids), application.applyMany([...ids].reverse())]);
    // Between them every callback was applied, and none by both.
    expect(first.size + second.size).toBe(ids.length);
    expect([...first.keys()].filter((id) => second.has(id))).toEqual([]);
    const [{ events }] = await t.dataSource.query(`SELECT count(*)::int AS events FROM payment_events WHERE payment_id = ANY($1::uuid[]) AND type = 'status-changed'`, [w.paymentIds]);
    expect(events).toBe(30);
  });
});
