// Issue 12: the one after-commit mechanism. Real Postgres and Redis: what a transaction emits
// reaches its handlers only once it committed, exactly once; never for a rollback; and a handler
// that fails leaves the commit in place.
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { AfterCommitBus, emitAfterCommit, EmitOutsideTransactionError } from '../src/events/after-commit.bus';
import { PaymentsService } from '../src/payments/payments.service';
import { QUEUES, stkPushJobId } from '../src/queues/queue-catalogue';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

describe('After-commit bus', () => {
  let t: TestApp;
  let bus: AfterCommitBus;
  let payments: PaymentsService;
  let pushQueue: Queue;
  const seen: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    bus = t.app.get(AfterCommitBus);
    payments = t.app.get(PaymentsService);
    pushQueue = t.app.get<Queue>(getQueueToken(QUEUES.stkPush));
    bus.on('push-answer-lost', (events) => {
      for (const e of events) seen.push(e.paymentId);
    });
  });
  afterAll(() => t.close());

  async function referralPendingPayment(): Promise<string> {
    const post = (method: string, path: string, body: unknown) =>
      fetch(`${t.baseUrl}${path}`, { method, headers: { 'Content-Type': 'application/json', 'X-API-Key': ADMIN_KEY }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ id: string }>);
    const { id } = await post('POST', '/api/referrals', { patientName: 'Bus Patient' });
    await post('PATCH', `/api/referrals/${id}/status`, { status: 'awaiting-biodata' });
    await post('PATCH', `/api/referrals/${id}/status`, { status: 'pending-payment', stkPhoneNumber: '0712600001' });
    return id;
  }
  const paymentRows = async (referralId: string) => Number((await t.dataSource.query('SELECT count(*)::int AS n FROM payments WHERE referral_id = $1', [referralId]))[0].n);

  it('runs a handler once, after the commit, for a committed transaction', async () => {
    const referralId = await referralPendingPayment();
    const created = await bus.transaction(async (manager) => {
      const payment = await payments.createPending(manager, { referralId }, { source: 'api', actorRole: 'admin' });
      emitAfterCommit(manager, 'push-answer-lost', { paymentId: payment.id });
      // Not yet: the transaction has not committed.
      expect(seen).not.toContain(payment.id);
      expect(await pushQueue.getJob(stkPushJobId(payment.id))).toBeUndefined();
      return payment;
    });
    expect(seen.filter((id) => id === created.id)).toEqual([created.id]);
    // The push the new payment owes was published by its after-commit handler.
    expect(await pushQueue.getJob(stkPushJobId(created.id))).toBeDefined();
  });

  it('never runs a handler for a rolled-back transaction', async () => {
    const referralId = await referralPendingPayment();
    let paymentId = '';
    await expect(
      bus.transaction(async (manager) => {
        const payment = await payments.createPending(manager, { referralId }, { source: 'api', actorRole: 'admin' });
        paymentId = payment.id;
        emitAfterCommit(manager, 'push-answer-lost', { paymentId });
        throw new Error('forced rollback after writing and emitting');
      }),
    ).rejects.toThrow('forced rollback');
    expect(paymentId).not.toBe('');
    expect(await paymentRows(referralId)).toBe(0);
    expect(seen).not.toContain(paymentId);
    expect(await pushQueue.getJob(stkPushJobId(paymentId))).toBeUndefined();
  });

  it('keeps the commit when a handler fails, and still runs the others', async () => {
    const referralId = await referralPendingPayment();
    bus.on('push-owed', () => {
      throw new Error('a handler that fails');
    });
    const created = await bus.transaction((manager) => payments.createPending(manager, { referralId }, { source: 'api', actorRole: 'admin' }));
    expect(await paymentRows(referralId)).toBe(1);
    // PushDispatcher's handler of the same topic ran.
    expect(await pushQueue.getJob(stkPushJobId(created.id))).toBeDefined();
  });

  it('refuses an event emitted outside its transactions', async () => {
    await t.dataSource.transaction(async (manager) => {
      expect(() => emitAfterCommit(manager, 'push-answer-lost', { paymentId: 'x' })).toThrow(EmitOutsideTransactionError);
    });
    expect(() => emitAfterCommit(t.dataSource.manager, 'push-answer-lost', { paymentId: 'x' })).toThrow(EmitOutsideTransactionError);
  });
});
