// Issue 16: the ledger sweep (Pull Transactions) end to end, against the simulator over HTTP. The
// callbacks go to a dead address and the push's answer never comes (scenario 2547001RSFxx, F = 5),
// so only M-Pesa's own ledger knows that the patient paid. The sweep runs through the service the
// scheduled job calls (the schedule's interval is at least a minute).
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LedgerPullService } from '../../src/ledger/pull/ledger-pull.service';
import { api } from '../support/http';
import { paymentFlow } from '../support/payment-flow';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { simulatorRequest } from '../support/simulator-http';

let t: TestApp;
let http: ReturnType<typeof api>;
let sweeper: LedgerPullService;

const simulator = (method: 'GET' | 'POST', path: string, body?: unknown) => simulatorRequest(t.baseUrl, method, path, body);

const count = async (sql: string) => Number((await t.dataSource.query(sql))[0].n);

beforeAll(async () => {
  t = await startTestApp({
    role: 'all',
    env: {
      SIMULATOR_CALLBACK_DELAY_MS: '50',
      AUTO_STK_ON_PENDING_PAYMENT: 'false',
      // Callbacks (and Results) go nowhere: lost.
      MPESA_CALLBACK_BASE_URL: 'http://127.0.0.1:9',
      MPESA_TIMEOUT_MS: '1500',
      MPESA_LEDGER_PULL: 'true',
      LEDGER_PULL_INTERVAL_S: '3600',
    },
  });
  http = api(t);
  sweeper = t.app.get(LedgerPullService, { strict: false });
});
afterAll(() => t?.close());

describe('the ledger sweep', () => {
  it('is a BullMQ job scheduler every LEDGER_PULL_INTERVAL_S', async () => {
    const queue = t.app.get<Queue>(getQueueToken('ledger'), { strict: false });
    const schedulers = await waitFor(async () => {
      const all = await queue.getJobSchedulers();
      return all.find((s) => s.key === 'ledger-pull-sweep' || s.id === 'ledger-pull-sweep');
    }, 'the ledger-pull-sweep scheduler');
    expect(Number(schedulers.every)).toBe(3600_000);
  });

  it('completes a payment whose callback and push answer were lost, by its account reference; money paid by hand lands unmatched; a second sweep changes nothing', async () => {
    const flow = paymentFlow(t);
    const referralId = await flow.referralInPendingPayment('254700100501');
    const started = await http.post(`/api/referrals/${referralId}/payments`, {});
    expect(started.status).toBe(202);
    const paymentId = started.body.id as string;
    const accountReference = started.body.accountReference as string;
    const stk = await waitFor(async () => {
      const entries = (await simulator('GET', '/ledger')).body.entries as { kind: string; receipt: string; billReference: string }[];
      return entries.find((e) => e.kind === 'stk' && e.billReference === accountReference);
    }, 'the STK payment in M-Pesa\'s ledger');
    // The push's answer never came and the callback went nowhere: the payment is still pending, without a receipt.
    await new Promise((r) => setTimeout(r, 2500));
    const before = (await http.get(`/api/payments/${paymentId}`).expect(200)).body;
    expect(before).toMatchObject({ status: 'pending', stkRequestId: null, mpesaTransactionId: null });

    const byHand = await simulator('POST', '/ledger/payments', { phoneNumber: '254712345987', amount: 450, billReference: 'NOTOURS1' });
    expect(byHand.status).toBe(201);
    // Pull windows end on a whole second (EAT): the sweep reads up to now.
    await new Promise((r) => setTimeout(r, 1100));

    const first = await sweeper.sweep();
    expect(first).toMatchObject({ kind: 'swept', rows: 2, complete: true, counts: { matched: 1, missingInOurs: 1 } });

    const paid = (await http.get(`/api/payments/${paymentId}`).expect(200)).body;
    expect(paid).toMatchObject({ status: 'completed', mpesaTransactionId: stk.receipt });
    expect(paid.events.at(-1)).toMatchObject({ type: 'receipt-attached', source: 'reconciliation', detail: expect.objectContaining({ via: 'ledger-pull' }) });
    expect((await http.get(`/api/referrals/${referralId}`).expect(200)).body.status).toBe('paid');
    const applied = (await http.get(`/api/receipts/${stk.receipt}`, 'admin').expect(200)).body;
    expect(applied).toMatchObject({ source: 'ledger', state: 'applied', paymentId, amount: before.amount });
    const unmatched = (await http.get(`/api/receipts/${byHand.body.receipt}`, 'admin').expect(200)).body;
    expect(unmatched).toMatchObject({ source: 'ledger', state: 'unmatched', paymentId: null, amount: 450, phoneNumber: '254712345987' });

    const report = (await http.get(`/api/reconciliation/reports/${(first as { reportId: string }).reportId}`, 'admin').expect(200)).body;
    expect(report).toMatchObject({ source: 'ledger-pull', counts: { matched: 1, missingInOurs: 1, amountDiffers: 0 } });
    expect(report.lines.map((l: { receipt: string; kind: string }) => [l.receipt, l.kind]).sort()).toEqual([[byHand.body.receipt, 'missingInOurs'], [stk.receipt, 'matched']].sort());

    const receiptsBefore = await t.dataSource.query(`SELECT receipt, state, payment_id, updated_at FROM receipts ORDER BY receipt`);
    const eventsBefore = await count(`SELECT count(*)::int AS n FROM payment_events`);
    const receiptEventsBefore = await count(`SELECT count(*)::int AS n FROM receipt_events`);
    // The scheduler's own first run (at start-up) wrote a report too: count from here.
    const reportsBefore = await count(`SELECT count(*)::int AS n FROM reconciliation_reports WHERE source = 'ledger-pull'`);
    const second = await sweeper.sweep();
    expect(second).toMatchObject({ kind: 'swept', rows: 2 });
    expect(await t.dataSource.query(`SELECT receipt, state, payment_id, updated_at FROM receipts ORDER BY receipt`)).toEqual(receiptsBefore);
    expect(await count(`SELECT count(*)::int AS n FROM payment_events`)).toBe(eventsBefore);
    expect(await count(`SELECT count(*)::int AS n FROM receipt_events`)).toBe(receiptEventsBefore);
    expect(await count(`SELECT count(*)::int AS n FROM reconciliation_reports WHERE source = 'ledger-pull'`)).toBe(reportsBefore + 1);
  });

  it('settles by its account reference a receipt a callback left unmatched (no payment could be determined from it)', async () => {
    const flow = paymentFlow(t);
    const referralId = await flow.referralInPendingPayment('254700100502');
    const started = await http.post(`/api/referrals/${referralId}/payments`, {});
    const paymentId = started.body.id as string;
    const stk = await waitFor(async () => {
      const entries = (await simulator('GET', '/ledger')).body.entries as { kind: string; receipt: string; billReference: string; amount: number }[];
      return entries.find((e) => e.kind === 'stk' && e.billReference === started.body.accountReference);
    }, "the STK payment in M-Pesa's ledger");
    // As a callback under a CheckoutRequestID that two pushes could have sent leaves it: unmatched, on no payment.
    await t.dataSource.query(
      `INSERT INTO receipts (receipt, amount, phone_number, checkout_request_id, source, state, reason) VALUES ($1, $2, '254700100502', 'ws_CO_TWINS', 'callback', 'unmatched', 'confirmed by Daraja, but 2 pushes of this phone and amount could have sent it: no guess is made')`,
      [stk.receipt, stk.amount],
    );
    await new Promise((r) => setTimeout(r, 1100));
    const swept = await sweeper.sweep();
    expect(swept).toMatchObject({ kind: 'swept' });
    const paid = (await http.get(`/api/payments/${paymentId}`).expect(200)).body;
    expect(paid).toMatchObject({ status: 'completed', mpesaTransactionId: stk.receipt });
    expect(paid.events.at(-1)).toMatchObject({ type: 'receipt-attached', source: 'reconciliation', detail: expect.objectContaining({ via: 'ledger-pull' }) });
    expect((await http.get(`/api/receipts/${stk.receipt}`, 'admin').expect(200)).body).toMatchObject({ source: 'callback', state: 'applied', paymentId });
    const report = (await http.get(`/api/reconciliation/reports/${(swept as { reportId: string }).reportId}`, 'admin').expect(200)).body;
    expect(report.lines.find((l: { receipt: string }) => l.receipt === stk.receipt)).toMatchObject({ kind: 'matched', paymentId });
  });

  it('warns and counts when Pull has answered 1001 for a whole day while payments completed', async () => {
    // History: a day and more of "nothing found" runs (the earlier ones, moved back in time).
    await t.dataSource.query(`UPDATE ledger_pull_runs SET outcome = 'no-data', at = now() - interval '30 hours'`);
    expect(await count(`SELECT count(*)::int AS n FROM payments WHERE status = 'completed' AND completed_at > now() - interval '1 hour'`)).toBeGreaterThan(0);
    const metricLine = /ledger_pull_alerts_total\{reason="empty-while-paid"\} (\d+)/;
    const before = Number(metricLine.exec(await (await fetch(`${t.baseUrl}/metrics`)).text())?.[1] ?? 0);
    // An empty ledger (the simulator forgot everything, its Pull registration too): 1001.
    expect((await simulator('POST', '/reset')).status).toBe(200);
    const outcome = await sweeper.sweep();
    expect(outcome).toMatchObject({ kind: 'swept', rows: 0 });
    const after = Number(metricLine.exec(await (await fetch(`${t.baseUrl}/metrics`)).text())?.[1] ?? 0);
    expect(after).toBe(before + 1);
    // A day of 1001 with no payment completing is just a quiet day: no alert.
    await t.dataSource.query(`UPDATE payments SET completed_at = now() - interval '40 hours' WHERE status = 'completed'`);
    await sweeper.sweep();
    expect(Number(metricLine.exec(await (await fetch(`${t.baseUrl}/metrics`)).text())?.[1] ?? 0)).toBe(after);
  });

  it('reads from where the last sweep ended when sweeps were missed, so nothing falls between two windows', async () => {
    // The last sweep that read the ledger ended 5 hours ago (the ones after it were lost with Redis, say).
    await t.dataSource.query(`UPDATE ledger_pull_runs SET outcome = 'rows', window_to = now() - interval '5 hours' WHERE id = (SELECT id FROM ledger_pull_runs ORDER BY at DESC LIMIT 1)`);
    await t.dataSource.query(`UPDATE ledger_pull_runs SET window_to = window_to - interval '1 day' WHERE id <> (SELECT id FROM ledger_pull_runs ORDER BY at DESC LIMIT 1)`);
    const [{ lastEnd }] = await t.dataSource.query(`SELECT max(window_to) AS "lastEnd" FROM ledger_pull_runs WHERE outcome IN ('rows', 'no-data')`);
    expect(await sweeper.sweep()).toMatchObject({ kind: 'swept' });
    const [newest] = await t.dataSource.query(`SELECT window_from, window_to FROM ledger_pull_runs ORDER BY at DESC LIMIT 1`);
    // One interval (3600 s) of overlap before the last window's end, rather than two intervals before now.
    expect(new Date(newest.window_from).getTime()).toBe(new Date(lastEnd).getTime() - 3600_000);
    expect(new Date(newest.window_to).getTime() - new Date(newest.window_from).getTime()).toBeGreaterThan(5 * 3600_000);
  });

  it('stops with a clear log line and a metric on 401.001 (not subscribed to Pull), and asks Pull nothing more', async () => {
    expect((await simulator('POST', '/settings', { pullNotSubscribed: true })).status).toBe(200);
    const outcome = await sweeper.sweep();
    expect(outcome).toMatchObject({ kind: 'not-subscribed' });
    expect(await count(`SELECT count(*)::int AS n FROM ledger_pull_runs WHERE outcome = 'not-subscribed'`)).toBe(1);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/ledger_pull_alerts_total\{reason="not-subscribed"\} 1/);
    const queries = (await simulator('GET', '/ledger')).body.pullQueries as number;
    expect(await sweeper.sweep()).toEqual({ kind: 'stopped' });
    expect((await simulator('GET', '/ledger')).body.pullQueries).toBe(queries);
  });
});
