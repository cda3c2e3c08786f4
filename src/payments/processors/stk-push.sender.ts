// Sends the STK push of one payment, at most once per claim: a worker claims the push in the
// database (push_state 'sending', attempts + 1) before the HTTP request, so a worker that dies
// mid-request leaves evidence that the prompt may already be on the phone.
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { callbackUrl } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { DarajaClient } from '../../mpesa/daraja.client';
import { DarajaRequestError } from '../../mpesa/daraja-request.error';
import type { StkPushResult } from '../../mpesa/daraja.types';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import { ReferralsService } from '../../referrals/referrals.service';
import { recordPaymentEvent } from '../payment-events';
import { Payment } from '../payment.entity';
import { PaymentSettlementService } from '../payment-settlement.service';
import { decidePushAnswer } from '../push-answer';
import { AfterCommitBus, emitAfterCommit } from '../../events/after-commit.bus';

export type PushOutcome =
  | { kind: 'not-owed'; reason: string }
  | { kind: 'accepted'; checkoutRequestId: string }
  | { kind: 'indeterminate'; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number };

const TRANSACTION_DESC = 'Referral fee';

@Injectable()
export class StkPushSender {
  private readonly logger = new Logger(StkPushSender.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly daraja: DarajaClient,
    private readonly settlement: PaymentSettlementService,
    private readonly referrals: ReferralsService,
    private readonly metrics: PaymentMetrics,
  ) {}

  async send(paymentId: string): Promise<PushOutcome> {
    const payment = await this.claim(paymentId);
    if (!payment) return this.explainUnclaimable(paymentId);

    let result: StkPushResult;
    const sentAt = process.hrtime.bigint();
    try {
      result = await this.daraja.stkPush({
        phoneNumber: payment.phoneNumber,
        amount: payment.amount,
        // The payment's own reference (shown on the prompt, quoted by the clinic, matched by the ledger).
        accountReference: payment.accountReference,
        transactionDesc: TRANSACTION_DESC,
        callbackUrl: callbackUrl(this.config.mpesa),
      });
    } catch (error) {
      if (!(error instanceof DarajaRequestError)) throw error;
      // Refused before any request left: nothing was pushed.
      return this.fail(payment, `STK push not sent: ${error.message}`, { attempt: payment.attempts });
    }

    const seconds = Number(process.hrtime.bigint() - sentAt) / 1e9;
    this.metrics.pushAnswered(seconds, result.kind === 'accepted' ? 'accepted' : result.errorClass);
    if (result.kind === 'error') this.metrics.darajaError('push', result.errorClass);
    if (result.kind === 'accepted') return this.recordAccepted(payment, result.merchantRequestId, result.checkoutRequestId);
    const detail = { attempt: payment.attempts, errorClass: result.errorClass, errorCode: result.errorCode, httpStatus: result.httpStatus, errorMessage: result.errorMessage };
    switch (result.errorClass) {
      case 'indeterminate':
        return this.recordIndeterminate(payment, `no answer to the STK push: ${result.errorMessage}`, detail);
      case 'permanent':
        return this.fail(payment, `STK push refused by M-Pesa: ${result.errorMessage}`, detail);
      case 'retryable':
      case 'token':
        if (payment.attempts >= this.config.payments.stkMaxAttempts) {
          return this.fail(payment, `STK push failed after ${payment.attempts} attempts: ${result.errorMessage}`, detail);
        }
        return this.scheduleRetry(payment, result.errorMessage, result.retryAfterMs, detail);
    }
  }

  /** Moves the push from queued to sending, counting the send; null when it is not ours to send. */
  private async claim(paymentId: string): Promise<Payment | null> {
    const rows: Payment[] = await this.dataSource
      .createQueryBuilder()
      .update(Payment)
      .set({ pushState: 'sending', attempts: () => 'attempts + 1', pushSentAt: () => 'now()' })
      .where("id = :id AND status = 'pending' AND push_state = 'queued'", { id: paymentId })
      .returning('*')
      .execute()
      .then((r) => r.raw as Payment[]);
    if (rows.length === 0) return null;
    return this.dataSource.manager.findOneByOrFail(Payment, { id: paymentId });
  }

  private async explainUnclaimable(paymentId: string): Promise<PushOutcome> {
    const payment = await this.dataSource.manager.findOneBy(Payment, { id: paymentId });
    if (!payment) return { kind: 'not-owed', reason: 'payment not found' };
    if (payment.status !== 'pending') return { kind: 'not-owed', reason: `payment already ${payment.status}` };
    if (payment.pushState === 'sending') {
      // An earlier run claimed this push and died before recording the answer: the prompt may be out.
      return this.recordIndeterminate(payment, 'a worker stopped while sending the STK push', { attempt: payment.attempts });
    }
    return { kind: 'not-owed', reason: `push already ${payment.pushState}` };
  }

  /**
   * Stores Daraja's "accepted" whatever the job's bookkeeping says: a re-run of this job (BullMQ
   * redelivering it as stalled) or the sweeper may have marked the push indeterminate meanwhile, and
   * the payment may even have expired; the answer is still a fact about the push (decidePushAnswer).
   */
  private async recordAccepted(payment: Payment, merchantRequestId: string, checkoutRequestId: string): Promise<PushOutcome> {
    const firstQueryAt = new Date(Date.now() + this.config.payments.reconcileFirstQueryS * 1000);
    const decision = await this.bus.transaction(async (manager) => {
      // A callback that beat this answer may be waiting for it: applied once this commits.
      emitAfterCommit(manager, 'push-answer-stored', { checkoutRequestId });
      const locked = await this.settlement.lock(manager, payment.id);
      if (!locked) return null;
      const [holder]: { id: string }[] = await manager.query('SELECT id FROM payments WHERE stk_request_id = $1 AND id <> $2', [checkoutRequestId, payment.id]);
      const decided = decidePushAnswer(locked, checkoutRequestId, holder?.id ?? null);
      const detail = { attempt: payment.attempts, checkoutRequestId, merchantRequestId, pushStateBefore: locked.pushState };
      if (decided.kind === 'conflict') {
        // The answer cannot be used, so the push is as good as unanswered: the prompt may be out.
        if (locked.status === 'pending' && locked.pushState === 'sending') await manager.update(Payment, { id: payment.id }, { pushState: 'indeterminate' });
        await recordPaymentEvent(manager, { paymentId: payment.id, type: 'push-answer-conflict', source: 'worker', detail: { ...detail, note: decided.reason } });
        return decided;
      }
      if (decided.kind === 'known') return decided;
      await manager.update(
        Payment,
        { id: payment.id },
        { pushState: decided.pushState, stkRequestId: checkoutRequestId, merchantRequestId, ...(decided.scheduleQuery ? { nextQueryAt: firstQueryAt } : {}) },
      );
      if (decided.countAccepted) await this.referrals.countAcceptedPush(manager, payment.referralId);
      await recordPaymentEvent(manager, { paymentId: payment.id, type: 'push-accepted', source: 'worker', detail });
      return decided;
    });
    if (decision?.kind === 'conflict') {
      this.logger.warn({ paymentId: payment.id, attempt: payment.attempts, note: decision.reason }, 'STK push accepted, but its CheckoutRequestID contradicts what is stored; kept on the payment history');
    } else {
      this.logger.log({ paymentId: payment.id, attempt: payment.attempts }, 'STK push accepted');
    }
    return { kind: 'accepted', checkoutRequestId };
  }

  private async recordIndeterminate(payment: Payment, reason: string, detail: Record<string, unknown>): Promise<PushOutcome> {
    await this.bus.transaction(async (manager) => {
      // Its callback may already be here under a CheckoutRequestID we never learnt: matched after the commit.
      emitAfterCommit(manager, 'push-answer-lost', { paymentId: payment.id });
      const updated = await manager
        .createQueryBuilder()
        .update(Payment)
        .set({ pushState: 'indeterminate' })
        .where("id = :id AND status = 'pending' AND push_state = 'sending'", { id: payment.id })
        .execute();
      if (!updated.affected) return;
      await recordPaymentEvent(manager, { paymentId: payment.id, type: 'push-indeterminate', source: 'worker', detail: { ...detail, reason } });
    });
    this.logger.warn({ paymentId: payment.id }, 'STK push answer lost; never resent, left for reconciliation');
    return { kind: 'indeterminate', reason };
  }

  private async scheduleRetry(payment: Payment, reason: string, retryAfterMs: number | undefined, detail: Record<string, unknown>): Promise<PushOutcome> {
    await this.bus.transaction(async (manager) => {
      const updated = await manager
        .createQueryBuilder()
        .update(Payment)
        .set({ pushState: 'queued' })
        .where("id = :id AND status = 'pending' AND push_state = 'sending'", { id: payment.id })
        .execute();
      if (!updated.affected) return;
      await recordPaymentEvent(manager, { paymentId: payment.id, type: 'push-retry', source: 'worker', detail: { ...detail, ...(retryAfterMs ? { retryAfterMs } : {}) } });
    });
    return { kind: 'retry', reason, retryAfterMs };
  }

  private async fail(payment: Payment, errorMessage: string, detail: Record<string, unknown>): Promise<PushOutcome> {
    await this.bus.transaction((manager) =>
      this.settlement.settle(
        manager,
        payment.id,
        { status: 'failed', resultCode: null, resultDesc: null, errorMessage },
        { source: 'worker', eventType: 'push-failed', detail },
      ),
    );
    this.logger.warn({ paymentId: payment.id, attempt: payment.attempts }, 'STK push failed; payment failed');
    return { kind: 'failed', reason: errorMessage };
  }
}
