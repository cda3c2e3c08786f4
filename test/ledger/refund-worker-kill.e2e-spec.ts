// A refund whose worker is SIGKILLed right after the Reversal reached M-Pesa, with the Result lost:
// another worker must never send a second Reversal; it settles the refund by a Transaction Status
// on the original receipt. The API (with the simulator) in this process, the workers as real child
// processes; the simulator's ledger counts the reversals.
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { startWorkerProcess, WorkerProcess } from '../support/worker-process';
import { simulatorRequest } from '../support/simulator-http';

let t: TestApp;
const workers: WorkerProcess[] = [];

const simulator = (method: 'GET' | 'POST', path: string, body?: unknown) => simulatorRequest(t.baseUrl, method, path, body);
const reversals = async () => ((await simulator('GET', '/ledger')).body.entries as { kind: string; originalReceipt: string | null }[]).filter((e) => e.kind === 'reversal');
const WORKER_ENV = { LEDGER_RESULT_WAIT_S: '1', MPESA_LEDGER_PULL: 'false', MPESA_TIMEOUT_MS: '2000', AUTO_STK_ON_PENDING_PAYMENT: 'false' };

beforeAll(async () => {
  t = await startTestApp({ role: 'api', env: { SIMULATOR_CALLBACK_DELAY_MS: '50', AUTO_STK_ON_PENDING_PAYMENT: 'false', MPESA_LEDGER_PULL: 'false' } });
});
afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await t?.close();
});

it('a worker SIGKILLed after sending, the Result lost: one Reversal ever, the refund settled by checking', async () => {
  workers.push(await startWorkerProcess(t, WORKER_ENV));
  const paid = await simulator('POST', '/ledger/payments', { phoneNumber: '254712888001', amount: 900, billReference: '' });
  expect(paid.status).toBe(201);
  const receipt = paid.body.receipt as string;
  await t.dataSource.query(`INSERT INTO receipts (receipt, amount, phone_number, source, state) VALUES ($1, 900, '254712888001', 'ledger', 'refund-due')`, [receipt]);
  expect((await simulator('POST', '/settings', { resultFault: 'lost' })).status).toBe(200);

  const res = await api(t).post(`/api/receipts/${receipt}/refund`, { reason: 'Patient paid twice' }, 'admin');
  expect(res.status).toBe(202);
  await waitFor(async () => (await reversals()).length === 1, 'the Reversal at M-Pesa', 20_000, 5);
  await workers[0].kill('SIGKILL');
  const [left] = await t.dataSource.query(`SELECT state FROM ledger_requests WHERE receipt = $1 AND kind = 'reversal'`, [receipt]);
  expect(['sending', 'sent', 'unknown']).toContain(left.state);
  console.log(`the killed worker left the Reversal ${left.state}`);

  await simulator('POST', '/settings', { resultFault: 'none' });
  workers.push(await startWorkerProcess(t, WORKER_ENV));
  const done = await waitFor(async () => {
    const r = (await api(t).get(`/api/receipts/${receipt}`, 'admin')).body;
    return r.state === 'refunded' && r;
  }, 'the refund settled by a check', 60_000, 200);
  expect(done.refund).toMatchObject({ status: 'refunded', reason: 'Patient paid twice' });
  expect(done.events.find((e: { type: string }) => e.type === 'refunded').detail).toMatchObject({ settledBy: 'transaction-status' });
  expect(await reversals()).toHaveLength(1);
  const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_requests WHERE receipt = $1 AND kind = 'reversal'`, [receipt]);
  expect(n).toBe(1);
}, 120_000);
