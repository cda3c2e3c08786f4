// The one path by which a payment reaches a final state, whoever learnt the outcome: a callback,
// a status query, the push worker or an admin. Row lock plus "only from pending" makes a
// callback, a query answer and a retry unable to overwrite each other.
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { ReferralsService } from '../../referrals/referrals.service';
import { recordPaymentEvents } from '../payment-events';
import { Payment } from '../payment.entity';
import type { PaymentEventSource, PaymentStatus } from '../payment-status';
import { assertStatusChange } from './payment-status.machine';
import { settledPushState } from './push-state.machine';

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

/** One locked payment and the outcome to give it. */
export interface Settlement {
  payment: Payment;
  outcome: PaymentOutcome;
  options: SettleOptions;
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
    return (await this.settleManyLocked(manager, [{ payment, outcome, options }]))[0];
  }

  /**
   * settleLocked() for several locked payments in one go: the writes are a fixed handful of
   * statements whatever the number of payments, which is what lets a burst of callbacks be applied
   * in batches. Results follow the order of `settlements`.
   */
  async settleManyLocked(manager: EntityManager, settlements: readonly Settlement[]): Promise<SettleResult[]> {
    const pending = settlements.filter((s) => s.payment.status === 'pending');
    const applied = new Map((await this.applyMany(manager, pending)).map((result) => [result.payment.id, result]));
    return settlements.map((s) => applied.get(s.payment.id) ?? { changed: false, payment: s.payment });
  }

  /**
   * Writes an outcome onto a locked payment, whatever its status. Only settle() and the admin's
   * manual update call this; the admin path decides itself which changes are allowed.
   */
  async apply(manager: EntityManager, payment: Payment, outcome: PaymentOutcome, options: SettleOptions): Promise<SettleResult & { changed: true }> {
    return (await this.applyMany(manager, [{ payment, outcome, options }]))[0];
  }

  /**
   * apply() for several distinct payments: one UPDATE, one INSERT of history rows, the referrals of
   * the completed ones (three statements), one read-back.
   */
  private async applyMany(manager: EntityManager, settlements: readonly Settlement[]): Promise<(SettleResult & { changed: true })[]> {
    if (settlements.length === 0) return [];
    const ids = settlements.map((s) => s.payment.id);
    if (new Set(ids).size !== ids.length) throw new Error('one settlement per payment per call');
    for (const { payment, outcome, options } of settlements) assertStatusChange(payment.id, payment.status, outcome.status, options.source);

    const rows = settlements.map(({ payment, outcome }) => ({
      id: payment.id,
      status: outcome.status,
      pushState: settledPushState(payment.pushState, outcome.status),
      resultCode: outcome.resultCode,
      resultDesc: outcome.resultDesc,
      receipt: outcome.status === 'completed' ? (outcome.receipt ?? payment.mpesaTransactionId) : payment.mpesaTransactionId,
      errorMessage: outcome.status === 'failed' ? outcome.errorMessage : null,
    }));
    await manager.query(
      `UPDATE payments p
          SET status = v.status, push_state = v.push_state, result_code = v.result_code, result_desc = v.result_desc,
              mpesa_transaction_id = v.receipt, error_message = v.error_message, next_query_at = NULL,
              completed_at = CASE WHEN v.status = 'completed' THEN COALESCE(p.completed_at, now()) END,
              updated_at = now()
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[])
              AS v(id, status, push_state, result_code, result_desc, receipt, error_message)
        WHERE p.id = v.id`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.status),
        rows.map((r) => r.pushState),
        rows.map((r) => r.resultCode),
        rows.map((r) => r.resultDesc),
        rows.map((r) => r.receipt),
        rows.map((r) => r.errorMessage),
      ],
    );
    await recordPaymentEvents(
      manager,
      settlements.map(({ payment, outcome, options }) => ({
        paymentId: payment.id,
        type: options.eventType ?? 'status-changed',
        source: options.source,
        fromStatus: payment.status,
        toStatus: outcome.status,
        actorRole: options.actorRole,
        detail: {
          ...(outcome.resultCode !== null ? { resultCode: outcome.resultCode } : {}),
          ...(outcome.resultDesc !== null ? { resultDesc: outcome.resultDesc } : {}),
          ...(outcome.status === 'completed' && outcome.receipt ? { receipt: outcome.receipt } : {}),
          ...(outcome.status === 'failed' ? { errorMessage: outcome.errorMessage } : {}),
          ...options.detail,
        },
      })),
    );
    await this.referrals.markPaidByPayments(
      manager,
      settlements
        .filter(({ outcome }) => outcome.status === 'completed')
        .map(({ payment, options }) => ({ referralId: payment.referralId, paymentId: payment.id, source: options.source === 'admin' ? 'admin' : options.source })),
    );
    const updated = new Map((await manager.findBy(Payment, { id: In(ids) })).map((p) => [p.id, p]));
    return settlements.map(({ payment }) => {
      const after = updated.get(payment.id);
      if (!after) throw new Error(`payment ${payment.id} vanished`);
      return { changed: true as const, payment: after, from: payment.status };
    });
  }
}
