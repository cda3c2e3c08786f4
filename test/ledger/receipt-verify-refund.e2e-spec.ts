// Issue 16: a receipt verified by Transaction Status and refunded by Reversal, end to end: the API
// and the worker in one process, Daraja over HTTP through the simulator, Results POSTed back to the
// results route, stored and applied by the worker. The simulator's ledger is the ground truth.
import { DarajaLedgerClient } from '../../src/mpesa/daraja-ledger.client';
import { api } from '../support/http';
import { paymentFlow } from '../support/payment-flow';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { simulatorRequest } from '../support/simulator-http';

let t: TestApp;
let http: ReturnType<typeof api>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const simulator = (method: 'GET' | 'POST', path: string, body?: unknown) => simulatorRequest(t.baseUrl, method, path, body);
const settings = (values: Record<string, unknown>) => simulator('POST', '/settings', values);

let phoneSeq = 0;
async function payByHand(amount: number): Promise<{ receipt: string; phone: string }> {
  const phone = `2547120${String(++phoneSeq).padStart(5, '0')}`;
  const res = await simulator('POST', '/ledger/payments', { phoneNumber: phone, amount, billReference: '' });
  expect(res.status).toBe(201);
  return { receipt: res.body.receipt as string, phone };
}

/** A receipt the service knows (as the ledger sweep or a callback would have recorded it). */
async function knownReceipt(receipt: string, amount: number, state: string, phone: string | null = null) {
  await t.dataSource.query(`INSERT INTO receipts (receipt, amount, phone_number, source, state) VALUES ($1, $2, $3, 'ledger', $4)`, [receipt, amount, phone, state]);
}

const getReceipt = async (receipt: string) => (await http.get(`/api/receipts/${receipt}`, 'admin').expect(200)).body;
const reversals = async () => ((await simulator('GET', '/ledger')).body.entries as { kind: string; originalReceipt: string | null; receipt: string }[]).filter((e) => e.kind === 'reversal');
const resultsFor = (receipt: string) =>
  t.dataSource.query(`SELECT m.state, m.deliveries, m.note FROM mpesa_results m JOIN ledger_requests r ON r.id = m.request_id WHERE r.receipt = $1`, [receipt]);

beforeAll(async () => {
  t = await startTestApp({
    role: 'all',
    env: { SIMULATOR_CALLBACK_DELAY_MS: '50', AUTO_STK_ON_PENDING_PAYMENT: 'false', LEDGER_RESULT_WAIT_S: '1', MPESA_LEDGER_PULL: 'false' },
  });
  http = api(t);
});
afterAll(() => t?.close());
beforeEach(async () => {
  expect((await simulator('POST', '/reset')).status).toBe(200);
});

describe('POST /api/receipts/:receipt/verify', () => {
  it('answers 202 pending at once, then the Result confirms the receipt with its amount and payer, once', async () => {
    const { receipt, phone } = await payByHand(700);
    await knownReceipt(receipt, 700, 'unmatched');
    const res = await http.post(`/api/receipts/${receipt}/verify`, undefined, 'admin');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ receipt, verification: { status: 'pending', amount: null, payer: null, resultCode: null }, refund: null });
    const done = await waitFor(async () => {
      const r = await getReceipt(receipt);
      return r.verification.status !== 'pending' && r;
    }, 'the verification');
    expect(done.verification).toMatchObject({ status: 'confirmed', amount: 700, payer: phone, resultCode: '0' });
    expect(done.state).toBe('unmatched');
    expect(done.events.filter((e: { type: string }) => e.type === 'verified')).toHaveLength(1);
    expect(await resultsFor(receipt)).toEqual([expect.objectContaining({ state: 'applied', note: 'verification confirmed' })]);
  });

  it('says differs when M-Pesa has the receipt for another amount, unknown-receipt (2032) when it does not have it', async () => {
    const { receipt } = await payByHand(700);
    await knownReceipt(receipt, 650, 'review');
    await knownReceipt('UZZZZZZZZ8', 900, 'unmatched');
    await http.post(`/api/receipts/${receipt}/verify`, undefined, 'admin').expect(202);
    await http.post('/api/receipts/UZZZZZZZZ8/verify', undefined, 'admin').expect(202);
    const differs = await waitFor(async () => (await getReceipt(receipt)).verification.status === 'differs' && getReceipt(receipt), 'differs');
    expect(differs.verification).toMatchObject({ status: 'differs', amount: 700, resultCode: '0' });
    const unknown = await waitFor(async () => {
      const r = await getReceipt('UZZZZZZZZ8');
      return r.verification.status !== 'pending' && r;
    }, 'unknown-receipt');
    expect(unknown.verification).toMatchObject({ status: 'unknown-receipt', amount: null, resultCode: '2032' });
  });

  it('a lost Result leaves it pending (never a failure) and asks again with backoff, until a Result comes', async () => {
    const { receipt } = await payByHand(300);
    await knownReceipt(receipt, 300, 'unmatched');
    expect((await settings({ resultFault: 'lost' })).status).toBe(200);
    await http.post(`/api/receipts/${receipt}/verify`, undefined, 'admin').expect(202);
    await waitFor(async () => {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_requests WHERE receipt = $1 AND purpose = 'verify' AND conversation_id IS NOT NULL`, [receipt]);
      return n >= 2;
    }, 'the question asked again', 15_000);
    const asked = ((await simulator('GET', '/ledger')).body.results as unknown[]).length;
    expect(asked).toBeGreaterThanOrEqual(2);
    expect((await getReceipt(receipt)).verification).toMatchObject({ status: 'pending' });
    await settings({ resultFault: 'none' });
    const done = await waitFor(async () => (await getReceipt(receipt)).verification.status === 'confirmed', 'confirmed after the Result finally comes', 20_000);
    expect(done).toBe(true);
  });

  it.each(['before-ack', 'twice'])('a Result %s is applied once', async (fault) => {
    const { receipt } = await payByHand(400);
    await knownReceipt(receipt, 400, 'unmatched');
    expect((await settings({ resultFault: fault })).status).toBe(200);
    await http.post(`/api/receipts/${receipt}/verify`, undefined, 'admin').expect(202);
    await waitFor(async () => (await getReceipt(receipt)).verification.status === 'confirmed', 'confirmed');
    await sleep(1500);
    const r = await getReceipt(receipt);
    expect(r.events.filter((e: { type: string }) => e.type === 'verified')).toHaveLength(1);
    const results = await resultsFor(receipt);
    expect(results).toHaveLength(1);
    expect(results[0].state).toBe('applied');
    if (fault === 'twice') expect(results[0].deliveries).toBe(2);
  });

  it('404 for an unknown receipt; 403 for staff', async () => {
    expect((await http.post('/api/receipts/UNKNOWN123/verify', undefined, 'admin')).status).toBe(404);
    const { receipt } = await payByHand(100);
    await knownReceipt(receipt, 100, 'unmatched');
    expect((await http.post(`/api/receipts/${receipt}/verify`, undefined, 'staff')).status).toBe(403);
  });
});

describe('POST /api/receipts/:receipt/refund', () => {
  it('reverses a refund-due receipt once: refunded with the reversal receipt, and the stats move', async () => {
    const before = (await http.get('/api/payments/stats', 'admin').expect(200)).body;
    const { receipt } = await payByHand(800);
    await knownReceipt(receipt, 800, 'refund-due');
    const mid = (await http.get('/api/payments/stats', 'admin').expect(200)).body;
    expect(mid.refundDueAmount - before.refundDueAmount).toBe(800);
    const res = await http.post(`/api/receipts/${receipt}/refund`, { reason: 'Patient paid twice' }, 'admin');
    expect(res.status).toBe(202);
    expect(res.body.refund).toMatchObject({ status: 'pending', reversalReceipt: null, resultCode: null, reason: 'Patient paid twice', requestedBy: 'admin' });
    const done = await waitFor(async () => {
      const r = await getReceipt(receipt);
      return r.state !== 'refund-due' && r;
    }, 'the refund');
    const ledger = await reversals();
    expect(ledger).toHaveLength(1);
    expect(ledger[0].originalReceipt).toBe(receipt);
    expect(done).toMatchObject({ state: 'refunded', refund: { status: 'refunded', reversalReceipt: ledger[0].receipt, resultCode: '0' } });
    const after = (await http.get('/api/payments/stats', 'admin').expect(200)).body;
    expect(after.refundedAmount - before.refundedAmount).toBe(800);
    expect(after.refundDueAmount).toBe(before.refundDueAmount);
    // Once, ever.
    expect((await http.post(`/api/receipts/${receipt}/refund`, { reason: 'again' }, 'admin')).body.code).toBe('REFUND_NOT_ALLOWED');
  });

  it('a worker killed after sending, and the Result lost: never a second Reversal; settled by checking the original receipt', async () => {
    const { receipt } = await payByHand(900);
    await knownReceipt(receipt, 900, 'review');
    await settings({ resultFault: 'lost' });
    await http.post(`/api/receipts/${receipt}/refund`, { reason: 'Paid by mistake' }, 'admin').expect(202);
    await waitFor(async () => (await reversals()).length === 1, 'the reversal at M-Pesa');
    // What a worker SIGKILLed between sending and storing the acknowledgement leaves behind: the row
    // still `sending`, no conversation ids, its lease run out.
    await waitFor(async () => (await t.dataSource.query(`SELECT 1 FROM ledger_requests WHERE receipt = $1 AND kind = 'reversal' AND state <> 'sending'`, [receipt])).length > 0, 'the send to finish');
    await t.dataSource.query(
      `UPDATE ledger_requests SET state = 'sending', conversation_id = NULL, originator_conversation_id = NULL, next_attempt_at = now() - interval '1 second' WHERE receipt = $1 AND kind = 'reversal'`,
      [receipt],
    );
    await t.dataSource.query(`DELETE FROM ledger_requests WHERE receipt = $1 AND purpose = 'refund-check'`, [receipt]);
    await sleep(1500);
    await settings({ resultFault: 'none' });
    const done = await waitFor(async () => {
      const r = await getReceipt(receipt);
      return r.state === 'refunded' && r;
    }, 'the refund settled by a check', 20_000);
    expect(done.refund).toMatchObject({ status: 'refunded', reason: 'Paid by mistake' });
    expect(done.events.find((e: { type: string }) => e.type === 'refunded').detail).toMatchObject({ settledBy: 'transaction-status' });
    await sleep(2500);
    expect(await reversals()).toHaveLength(1);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_requests WHERE receipt = $1 AND kind = 'reversal'`, [receipt]);
    expect(n).toBe(1);
  });

  it('R000001 (already reversed) counts as refunded', async () => {
    const { receipt } = await payByHand(500);
    const ledger = t.app.get(DarajaLedgerClient, { strict: false });
    expect((await ledger.reversal({ receipt, amount: 500, remarks: 'reversed elsewhere' })).kind).toBe('accepted');
    await waitFor(async () => (await reversals()).length === 1, 'the first reversal');
    await knownReceipt(receipt, 500, 'refund-due');
    await http.post(`/api/receipts/${receipt}/refund`, { reason: 'Double payment' }, 'admin').expect(202);
    const done = await waitFor(async () => {
      const r = await getReceipt(receipt);
      return r.state !== 'refund-due' && r;
    }, 'the refund');
    expect(done).toMatchObject({ state: 'refunded', refund: { status: 'refunded', resultCode: 'R000001' } });
    expect(await reversals()).toHaveLength(1);
  });

  it('409 for an applied receipt; 400 without a reason; 403 for staff; 404 unknown', async () => {
    const flow = paymentFlow(t);
    const referralId = await flow.referralInPendingPayment('254712999001');
    await http.post(`/api/referrals/${referralId}/payments`, {}).expect(202);
    const applied = await waitFor(async () => {
      const [row] = await t.dataSource.query(`SELECT receipt FROM receipts WHERE referral_id = $1 AND state = 'applied'`, [referralId]);
      return row?.receipt as string | undefined;
    }, 'the applied receipt');
    const refused = await http.post(`/api/receipts/${applied}/refund`, { reason: 'no' }, 'admin');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'REFUND_NOT_ALLOWED', state: 'applied' });
    const { receipt } = await payByHand(100);
    await knownReceipt(receipt, 100, 'refund-due');
    const noReason = await http.post(`/api/receipts/${receipt}/refund`, {}, 'admin');
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe('VALIDATION_FAILED');
    expect((await http.post(`/api/receipts/${receipt}/refund`, { reason: 'x y' }, 'staff')).status).toBe(403);
    expect((await http.post('/api/receipts/UNKNOWN123/refund', { reason: 'x y' }, 'admin')).status).toBe(404);
    expect((await getReceipt(receipt)).refund).toBeNull();
    await sleep(300);
    expect(await reversals()).toHaveLength(0);
  });
});
