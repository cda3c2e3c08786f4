// The worker as a real child process, killed with SIGKILL while pushes are in flight and started
// again: every payment still ends as the simulator says, and no referral was prompted twice.
import { paymentFlow } from './support/payment-flow';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';

describe('Worker killed with SIGKILL mid-flight', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let worker: WorkerProcess | undefined;
  const workerEnv = { SIMULATOR_CALLBACK_DELAY_MS: '300', MPESA_TIMEOUT_MS: '2000', STK_RETRY_BASE_MS: '500', RECONCILE_FIRST_QUERY_S: '3600' };

  beforeAll(async () => {
    t = await startTestApp({ role: 'api', env: workerEnv });
    flow = paymentFlow(t);
  });
  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await t.close();
  });

  it('ends every payment right and never pushes twice', async () => {
    worker = await startWorkerProcess(t, workerEnv);
    // Distinct numbers, so a lost push answer can be matched to its callback by phone and amount.
    const phones = Array.from({ length: 24 }, (_, i) => {
      if (i % 4 === 1) return '254700000502'; // answered only after the client's timeout: in flight when killed
      if (i % 4 === 2) return '254700000312'; // spike arrest twice, then accepted: retries span the restart
      return `2547123000${String(i).padStart(2, '0')}`;
    });
    const referralIds: string[] = [];
    for (const [i, phone] of phones.entries()) {
      referralIds.push(await flow.referralInPendingPayment(phone, { amount: 500 + i }));
    }
    await waitFor(async () => (await flow.groundTruth()).transactions.length >= 3, 'the first pushes to be accepted');
    await worker.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    worker = await startWorkerProcess(t, workerEnv);

    const truthFor = async (accountReference: string) => {
      const truth = await flow.groundTruth();
      return truth.transactions.filter((x) => x.accountReference === accountReference);
    };

    // Every payment the simulator took must end as the simulator says; none may be prompted twice.
    for (const referralId of referralIds) {
      const payment = await flow.onlyPayment(referralId);
      const settled = await waitFor(async () => {
        const [tx] = await truthFor(payment.accountReference);
        const now = await flow.payment(payment.id);
        if (!tx) return now.status === 'completed' ? now : now.status === 'failed' || now.stkRequestId === null ? now : null;
        return tx.status !== 'processing' && now.status !== 'pending' ? now : null;
      }, `payment of referral ${referralId} to settle`, 60_000);
      const transactions = await truthFor(payment.accountReference);
      expect(transactions.length).toBeLessThanOrEqual(1);
      if (transactions.length === 1) {
        expect({ referralId, status: settled.status }).toEqual({ referralId, status: transactions[0].status });
        expect(settled.stkRequestId).toBe(transactions[0].checkoutRequestId);
      } else {
        // The simulator never took a push for it: it must not be completed.
        expect(settled.status).not.toBe('completed');
      }
    }

    // The kill really caught pushes mid-send: the restarted worker found them claimed and unanswered.
    const reasons = await t.dataSource.query(
      `SELECT e.detail->>'reason' AS reason, count(*)::int AS n FROM payment_events e JOIN payments p ON p.id = e.payment_id
        WHERE p.referral_id = ANY($1) AND e.type = 'push-indeterminate' GROUP BY 1`,
      [referralIds],
    );
    console.log('push-indeterminate reasons after the kill:', JSON.stringify(reasons));
    expect(reasons.map((r: { reason: string }) => r.reason)).toContain('a worker stopped while sending the STK push');

    const truth = await flow.groundTruth();
    for (const referralId of referralIds) {
      expect(truth.acceptedPushesByAccountReference[(await flow.onlyPayment(referralId)).accountReference] ?? 0).toBeLessThanOrEqual(1);
    }
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM payments WHERE referral_id = ANY($1) AND status = 'completed'`, [referralIds]);
    expect(n).toBeGreaterThan(phones.length / 2);
    const paid = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM referrals r WHERE r.id = ANY($1) AND (r.status = 'paid') <> EXISTS (SELECT 1 FROM payments p WHERE p.referral_id = r.id AND p.status = 'completed')`,
      [referralIds],
    );
    expect(paid[0].n).toBe(0);
  });
});
