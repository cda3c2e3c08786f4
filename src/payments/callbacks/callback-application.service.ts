// Applies stored callbacks to payments, idempotently: each callback row is applied at most once
// (row lock + state), and each payment changes only from pending (PaymentSettlementService).
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { classifyResultCode } from '../../mpesa/result-codes';
import { ParsedStkCallback, parseStkCallback } from '../../mpesa/stk-callback.parser';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import { recordPaymentEvent } from '../payment-events';
import { Payment } from '../payment.entity';
import { PaymentSettlementService } from '../payment-settlement.service';
import { describeFailure } from '../result-description';
import { CallbackState, MpesaCallback } from './mpesa-callback.entity';

/** How long an unmatched callback stays a candidate for matching by phone and amount. */
const MATCH_WINDOW_HOURS = 48;

@Injectable()
export class CallbackApplicationService {
  private readonly logger = new Logger(CallbackApplicationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settlement: PaymentSettlementService,
    private readonly metrics: PaymentMetrics,
  ) {}

  /** Applies one stored callback if it is still open; safe to call any number of times. */
  async apply(callbackId: string): Promise<CallbackState | null> {
    return this.dataSource.transaction(async (manager) => {
      const callback = await manager
        .createQueryBuilder(MpesaCallback, 'c')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where("c.id = :id AND c.state IN ('received', 'unmatched')", { id: callbackId })
        .getOne();
      if (!callback) return null;

      let parsed: ParsedStkCallback;
      try {
        parsed = parseStkCallback(JSON.parse(callback.rawBody));
      } catch (error) {
        return this.close(manager, callback, 'invalid', null, (error as Error).message);
      }

      let payment = await this.settlement.lockByCheckoutRequestId(manager, parsed.checkoutRequestId);
      let matchedBy: string | undefined;
      if (!payment) {
        payment = await this.findLostPushPayment(manager, parsed);
        if (!payment) {
          return this.close(manager, callback, 'unmatched', null, 'no payment has this CheckoutRequestID yet');
        }
        matchedBy = 'phone-and-amount';
        await manager.update(Payment, { id: payment.id }, { stkRequestId: parsed.checkoutRequestId, merchantRequestId: parsed.merchantRequestId });
        await recordPaymentEvent(manager, {
          paymentId: payment.id,
          type: 'callback-matched',
          source: 'callback',
          detail: { by: matchedBy, checkoutRequestId: parsed.checkoutRequestId, callbackId: callback.id },
        });
      }
      return this.applyToPayment(manager, callback, parsed, payment, matchedBy);
    });
  }

  /** Applies callbacks that arrived before the push's answer told us their CheckoutRequestID. */
  async applyWaitingFor(checkoutRequestId: string): Promise<void> {
    const waiting = await this.dataSource.query(
      `SELECT id FROM mpesa_callbacks WHERE checkout_request_id = $1 AND state IN ('received', 'unmatched') ORDER BY received_at`,
      [checkoutRequestId],
    );
    for (const { id } of waiting) await this.apply(id);
  }

  /** A push whose answer was lost: its success callback may be here, under an unknown CheckoutRequestID. */
  async matchByPhoneAndAmount(paymentId: string): Promise<void> {
    const payment = await this.dataSource.manager.findOneBy(Payment, { id: paymentId });
    if (!payment || payment.status !== 'pending' || payment.stkRequestId) return;
    for (const { id } of await this.openCallbackIds('unmatched')) {
      const state = await this.apply(id);
      if (state === 'applied' || state === 'review') {
        const after = await this.dataSource.manager.findOneBy(Payment, { id: paymentId });
        if (after?.stkRequestId) return;
      }
    }
  }

  /** Callbacks still open: stored but not applied (a process died), or unmatched. Oldest first. */
  async openCallbackIds(state: 'received' | 'unmatched', olderThanMs = 0, limit = 500): Promise<{ id: string }[]> {
    return this.dataSource.query(
      `SELECT id FROM mpesa_callbacks
        WHERE state = $1 AND received_at < now() - ($2::int * interval '1 millisecond')
          AND received_at > now() - ($3::int * interval '1 hour')
        ORDER BY received_at LIMIT $4`,
      [state, olderThanMs, MATCH_WINDOW_HOURS, limit],
    );
  }

  /**
   * Exactly one pending payment whose push answer was lost, for the same phone and amount as a
   * success callback: that is the payment the customer paid. Zero or several: no guess is made.
   */
  private async findLostPushPayment(manager: EntityManager, parsed: ParsedStkCallback): Promise<Payment | null> {
    if (parsed.resultCode !== '0' || !parsed.phoneNumber || parsed.amount === null) return null;
    const candidates = await manager
      .createQueryBuilder(Payment, 'p')
      .setLock('pessimistic_write')
      .where("p.status = 'pending' AND p.push_state = 'indeterminate' AND p.stk_request_id IS NULL")
      .andWhere('p.phone_number = :phone AND p.amount = :amount', { phone: parsed.phoneNumber, amount: parsed.amount })
      .limit(2)
      .getMany();
    return candidates.length === 1 ? candidates[0] : null;
  }

  private async applyToPayment(
    manager: EntityManager,
    callback: MpesaCallback,
    parsed: ParsedStkCallback,
    payment: Payment,
    matchedBy: string | undefined,
  ): Promise<CallbackState> {
    const { outcome, reason } = classifyResultCode(parsed.resultCode);
    const evidence = { callbackId: callback.id, resultCode: parsed.resultCode, ...(matchedBy ? { matchedBy } : {}) };

    if (payment.status !== 'pending') {
      const sameOutcome = payment.status === outcome && (outcome !== 'completed' || payment.mpesaTransactionId === parsed.mpesaReceiptNumber);
      if (sameOutcome) return this.close(manager, callback, 'duplicate', payment.id, `payment already ${payment.status}`);
      await recordPaymentEvent(manager, {
        paymentId: payment.id,
        type: 'callback-conflict',
        source: 'callback',
        detail: { ...evidence, note: `callback says ${outcome}; payment stays ${payment.status}` },
      });
      return this.close(manager, callback, 'review', payment.id, `contradicts the ${payment.status} payment`);
    }

    if (outcome === 'failed') {
      await this.settlement.settleLocked(
        manager,
        payment,
        { status: 'failed', resultCode: parsed.resultCode, resultDesc: parsed.resultDesc, errorMessage: describeFailure(parsed.resultCode, parsed.resultDesc, reason) },
        { source: 'callback', detail: evidence },
      );
      return this.close(manager, callback, 'applied', payment.id, null);
    }

    if (parsed.amount !== null && parsed.amount !== payment.amount) {
      const errorMessage = `Amount mismatch: M-Pesa reported KES ${parsed.amount} paid, the payment expected KES ${payment.amount}`;
      await this.settlement.settleLocked(
        manager,
        payment,
        { status: 'failed', resultCode: parsed.resultCode, resultDesc: parsed.resultDesc, errorMessage },
        { source: 'callback', eventType: 'amount-mismatch', detail: { ...evidence, paidAmount: parsed.amount, expectedAmount: payment.amount } },
      );
      return this.close(manager, callback, 'review', payment.id, errorMessage);
    }

    const doubt = await this.doubtAbout(manager, parsed, payment);
    if (doubt) {
      // Not applied: the status query (which cannot be forged) settles the payment instead.
      await manager.update(Payment, { id: payment.id }, { nextQueryAt: new Date() });
      await recordPaymentEvent(manager, { paymentId: payment.id, type: 'callback-doubtful', source: 'callback', detail: { ...evidence, doubt } });
      return this.close(manager, callback, 'review', payment.id, doubt);
    }

    await this.settlement.settleLocked(
      manager,
      payment,
      { status: 'completed', resultCode: parsed.resultCode, resultDesc: parsed.resultDesc, receipt: parsed.mpesaReceiptNumber },
      { source: 'callback', detail: evidence },
    );
    return this.close(manager, callback, 'applied', payment.id, null);
  }

  /** Reasons not to trust a success callback on its own word. */
  private async doubtAbout(manager: EntityManager, parsed: ParsedStkCallback, payment: Payment): Promise<string | null> {
    if (parsed.amount === null) return 'success callback without an Amount';
    if (!parsed.mpesaReceiptNumber) return 'success callback without a receipt number';
    if (parsed.phoneNumber && parsed.phoneNumber !== payment.phoneNumber) return 'paying phone number differs from the payment';
    const reused = await manager.findOne(Payment, { where: { mpesaTransactionId: parsed.mpesaReceiptNumber } });
    if (reused && reused.id !== payment.id) return `receipt ${parsed.mpesaReceiptNumber} already paid payment ${reused.id}`;
    return null;
  }

  private async close(manager: EntityManager, callback: MpesaCallback, state: CallbackState, paymentId: string | null, note: string | null): Promise<CallbackState> {
    await manager.update(MpesaCallback, { id: callback.id }, { state, paymentId, note: note?.slice(0, 500) ?? null, processedAt: new Date() });
    this.metrics.callbackProcessed(state);
    if (state === 'review' || state === 'invalid') this.logger.warn({ callbackId: callback.id, paymentId, state, note }, 'Callback kept for review');
    return state;
  }
}
