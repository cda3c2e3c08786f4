// The one path by which a payment reaches a final state, whoever learnt the outcome: a callback,
// a status query, the push worker or an admin. Row lock plus "only from pending" makes a
// callback, a query answer and a retry unable to overwrite each other.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ReferralsService } from '../referrals/referrals.service';
import { recordPaymentEvent } from './payment-events';
import { Payment } from './payment.entity';
import type { PaymentEventSource, PaymentStatus, PushState } from './payment-status';

export type PaymentOutcome =
  | { status: 'completed'; resultCode: string | null; resultDesc: string | null; receipt: string | null }
  | { status: 'failed'; resultCode: string | null; resultDesc: string | null; errorMessage: string };

export interface SettleOptions {
  source: PaymentEventSource;
  /** Event type; defaults to `status-changed`. */
  eventType?: string;
  actorRole?: string | null;
  detail?: Record<string, unknown>;
}

export type SettleResult =
  | { changed: true; payment: Payment; from: PaymentStatus }
  | { changed: false; payment: Payment };

@Injectable()
export class PaymentSettlementService {
  constructor(private readonly referrals: ReferralsService) {}

  async lock(manager: EntityManager, paymentId: string): Promise<Payment | null> {
    return manager.findOne(Payment, { where: { id: paymentId }, lock: { mode: 'pessimistic_write' } });
  }

  async lockByCheckoutRequestId(manager: EntityManager, checkoutRequestId: string): Promise<Payment | null> {
    return manager.findOne(Payment, { where: { stkRequestId: checkoutRequestId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Moves a pending payment to its final state; a payment that is already final is left alone. */
  async settle(manager: EntityManager, paymentId: string, outcome: PaymentOutcome, options: SettleOptions): Promise<SettleResult> {
    const payment = await this.lock(manager, paymentId);
    if (!payment) throw new Error(`payment ${paymentId} vanished`);
    return this.settleLocked(manager, payment, outcome, options);
  }

  /**
   * settle() for a payment this transaction has already locked (lock() or lockByCheckoutRequestId()):
   * the same rule without a second round trip to lock the row again.
   */
  async settleLocked(manager: EntityManager, payment: Payment, outcome: PaymentOutcome, options: SettleOptions): Promise<SettleResult> {
    if (payment.status !== 'pending') return { changed: false, payment };
    return this.apply(manager, payment, outcome, options);
  }

  /**
   * Writes an outcome onto a locked payment, whatever its status. Only settle() and the admin's
   * manual update call this; the admin path decides itself which changes are allowed.
   */
  async apply(manager: EntityManager, payment: Payment, outcome: PaymentOutcome, options: SettleOptions): Promise<SettleResult & { changed: true }> {
    const from = payment.status;
    const pushState: PushState =
      payment.pushState === 'queued' || payment.pushState === 'sending' ? (outcome.status === 'completed' ? 'accepted' : 'abandoned') : payment.pushState;
    const changes: Partial<Payment> = {
      status: outcome.status,
      pushState,
      resultCode: outcome.resultCode,
      resultDesc: outcome.resultDesc,
      nextQueryAt: null,
    };
    if (outcome.status === 'completed') {
      changes.mpesaTransactionId = outcome.receipt ?? payment.mpesaTransactionId;
      changes.errorMessage = null;
    } else {
      changes.errorMessage = outcome.errorMessage;
    }
    await manager
      .createQueryBuilder()
      .update(Payment)
      .set({ ...changes, completedAt: outcome.status === 'completed' ? () => 'COALESCE(completed_at, now())' : null })
      .where('id = :id', { id: payment.id })
      .execute();
    await recordPaymentEvent(manager, {
      paymentId: payment.id,
      type: options.eventType ?? 'status-changed',
      source: options.source,
      fromStatus: from,
      toStatus: outcome.status,
      actorRole: options.actorRole,
      detail: {
        ...(outcome.resultCode !== null ? { resultCode: outcome.resultCode } : {}),
        ...(outcome.resultDesc !== null ? { resultDesc: outcome.resultDesc } : {}),
        ...(outcome.status === 'completed' && outcome.receipt ? { receipt: outcome.receipt } : {}),
        ...(outcome.status === 'failed' ? { errorMessage: outcome.errorMessage } : {}),
        ...options.detail,
      },
    });
    if (outcome.status === 'completed') {
      await this.referrals.markPaidByPayment(manager, payment.referralId, options.source === 'admin' ? 'admin' : options.source, payment.id);
    }
    const updated = await manager.findOneByOrFail(Payment, { id: payment.id });
    return { changed: true, payment: updated, from };
  }
}
