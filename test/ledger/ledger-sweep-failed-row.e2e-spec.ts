// The ledger sweep meets a row it cannot settle as the evidence rules decided: one whose account
// reference names a payment that expired before the sweep (its push answer and its callback were
// both lost, scenario 2547001RSFxx with F = 5 and callbacks to a dead address). Found in the fault
// run: the status-correction of such a payment threw from deep inside the settlement (not a
// DomainError), the whole sweep failed before writing its run, and every later sweep, whose window
// reaches back to the last recorded run, met the next such row and failed too: "only 2 sweeps in
// 260 s", which looked like a queue that had stopped after a Redis restart. One row must never
// hold up the others, nor the run's record.
import { LedgerPullService } from '../../src/ledger/pull/ledger-pull.service';
import { api } from '../support/http';
import { paymentFlow } from '../support/payment-flow';
import { simulatorRequest } from '../support/simulator-http';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

let t: TestApp;
let http: ReturnType<typeof api>;
let sweeper: LedgerPullService;

const EXPIRY_S = 4;

beforeAll(async () => {
  t = await startTestApp({
    role: 'all',
    env: {
      SIMULATOR_CALLBACK_DELAY_MS: '50',
      AUTO_STK_ON_PENDING_PAYMENT: 'false',
      MPESA_CALLBACK_BASE_URL: 'http://127.0.0.1:9',
      MPESA_TIMEOUT_MS: '1000',
      PAYMENT_EXPIRY_S: String(EXPIRY_S),
      RECONCILE_INTERVAL_S: '1',
      RECONCILE_FIRST_QUERY_S: '1',
      MPESA_LEDGER_PULL: 'true',
      LEDGER_PULL_INTERVAL_S: '3600',
    },
  });
  http = api(t);
  sweeper = t.app.get(LedgerPullService, { strict: false });
});
afterAll(() => t?.close());

async function pay(phone: string, amount: number) {
  const referralId = await paymentFlow(t).referralInPendingPayment(phone, { amount });
  const started = await http.post(`/api/referrals/${referralId}/payments`, {});
  expect(started.status).toBe(202);
  const paymentId = started.body.id as string;
  const accountReference = started.body.accountReference as string;
  const entry = await waitFor(async () => {
    const entries = (await simulatorRequest(t.baseUrl, 'GET', '/ledger')).body.entries as { kind: string; receipt: string; billReference: string }[];
    return entries.find((e) => e.kind === 'stk' && e.billReference === accountReference);
  }, "the STK payment in M-Pesa's ledger");
  return { referralId, paymentId, receipt: entry.receipt };
}

describe('a ledger row that cannot settle its payment', () => {
  it('goes to review naming the payment (or settles it); the rows after it still settle, and the sweep writes its run and report', async () => {
    const expired = await pay('254700100511', 611);
    const failed = await waitFor(async () => {
      const p = (await http.get(`/api/payments/${expired.paymentId}`).expect(200)).body;
      return p.status === 'failed' ? p : null;
    }, 'the first payment to expire', (EXPIRY_S + 15) * 1000);
    expect(failed.errorMessage).toMatch(/^Expired/);

    const pending = await pay('254700100512', 612);
    await new Promise((r) => setTimeout(r, 1100)); // Pull windows end on a whole second
    const runsBefore = Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_pull_runs`))[0].n);

    const outcome = await sweeper.sweep();
    expect(outcome).toMatchObject({ kind: 'swept' });
    const [run] = await t.dataSource.query(`SELECT outcome, rows, report_id FROM ledger_pull_runs ORDER BY at DESC LIMIT 1`);
    expect(Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_pull_runs`))[0].n)).toBe(runsBefore + 1);
    expect(run).toMatchObject({ outcome: 'rows', rows: 2 });

    // The row after it: its payment completes as ever.
    expect((await http.get(`/api/payments/${pending.paymentId}`).expect(200)).body).toMatchObject({ status: 'completed', mpesaTransactionId: pending.receipt });

    // The expired payment's money: on it, or in front of an admin naming it; never left `unmatched`
    // with nobody told which payment it pays.
    const receipt = (await http.get(`/api/receipts/${expired.receipt}`, 'admin').expect(200)).body;
    expect(receipt).toMatchObject({ source: 'ledger', paymentId: expired.paymentId });
    expect(['applied', 'review']).toContain(receipt.state);
    const after = (await http.get(`/api/payments/${expired.paymentId}`).expect(200)).body;
    if (receipt.state === 'applied') expect(after).toMatchObject({ status: 'completed', mpesaTransactionId: expired.receipt });
    else expect(after).toMatchObject({ status: 'failed', mpesaTransactionId: null });

    const report = (await http.get(`/api/reconciliation/reports/${run.report_id}`, 'admin').expect(200)).body;
    const line = report.lines.find((l: { receipt: string }) => l.receipt === expired.receipt);
    expect(line).toMatchObject({ paymentId: expired.paymentId });
    if (receipt.state === 'review') expect(line.note).toMatch(/receipt review/);
  });
});
