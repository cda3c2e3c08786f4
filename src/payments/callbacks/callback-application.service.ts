// Applies stored callbacks to payments, idempotently: each callback row is applied at most once
// (row lock + state), and each payment changes only from pending (PaymentSettlementService).
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { maskPhoneNumber } from '../../mpesa/phone-number';
import { classifyResultCode } from '../../mpesa/result-codes';
import { ParsedStkCallback, parseStkCallback } from '../../mpesa/stk-callback.parser';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import {
  Confirmation,
  FailedBy,
  failedByEvent,
  judgeCallback,
  judgeUnknownCheckout,
  judgeVerification,
  PROMPT_LIFETIME_MS,
  ReferralFacts,
  UnansweredPush,
  UnknownCheckoutVerdict,
  VerificationCause,
  VerificationFacts,
  VerificationVerdict,
} from '../evidence';
import { recordPaymentEvent } from '../payment-events';
import { Payment } from '../payment.entity';
import { PaymentSettlementService } from '../state/payment-settlement.service';
import { describeFailure } from '../result-description';
import type { ReceiptVerdict } from '../../receipts/receipt-recording';
import { CallbackStore } from '../state/callback-store';
import { learnCheckoutRequestId, queryNow } from '../state/payment-evidence-writes';
import { CallbackBatch, CallbackClosure } from './callback-batch';
import { CallbackState, MpesaCallback } from './mpesa-callback.entity';
import { AfterCommitBus } from '../../events/after-commit.bus';

/** How long an unmatched callback stays a candidate for matching by phone and amount. */
const MATCH_WINDOW_HOURS = 48;
/** Failures (other than bad data) after which a callback is set aside rather than retried. */
const MAX_APPLY_FAILURES = 3;

/**
 * Why applying a callback failed. data: Postgres data exceptions (22) and integrity violations (23),
 * which fail the same way every time; transient: the database away or busy (connection errors,
 * 08 connection, 40 rollback/deadlock, 53 resources, 57 operator intervention, 58 system), which
 * says nothing about the callback; other: anything else (a bug).
 */
export function applyFailureKind(error: unknown): 'data' | 'transient' | 'other' {
  const e = error as { driverError?: { code?: unknown }; code?: unknown } | null;
  const code = e?.driverError?.code ?? e?.code;
  // pg reports a dropped connection without an SQLSTATE ("Connection terminated unexpectedly").
  if (typeof code !== 'string') return /connect|terminat|timeout|socket/i.test(error instanceof Error ? error.message : String(error)) ? 'transient' : 'other';
  if (/^2[23]/.test(code)) return 'data';
  if (/^(08|40|53|57|58)/.test(code) || /^E[A-Z]+$/.test(code)) return 'transient';
  return 'other';
}

@Injectable()
export class CallbackApplicationService implements OnModuleInit {
  private readonly logger = new Logger(CallbackApplicationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    private readonly settlement: PaymentSettlementService,
    private readonly metrics: PaymentMetrics,
    private readonly store: CallbackStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /** Callbacks that waited for a push's answer, or its loss, are applied once it is committed. */
  onModuleInit(): void {
    this.bus.on('push-answer-stored', async (stored) => {
      for (const { checkoutRequestId } of stored) await this.applyWaitingFor(checkoutRequestId);
    });
    this.bus.on('push-answer-lost', async (lost) => {
      for (const { paymentId } of lost) await this.matchByPhoneAndAmount(paymentId);
    });
    // (The sweeper judges them again too: CallbackStore.rejudgeable.)
    this.bus.on('receipt-verified', async (verified) => {
      for (const { receipt } of verified) await this.applyEach(await this.store.openWithReceipt(receipt));
    });
  }

  /** Applies one stored callback if it is still open; safe to call any number of times. */
  async apply(callbackId: string): Promise<CallbackState | null> {
    return (await this.applyMany([callbackId])).get(callbackId) ?? null;
  }

  /**
   * apply() for several stored callbacks in one transaction, with a fixed handful of statements
   * for the common case (lock the callbacks, lock their payments, check receipts, settle, close)
   * whatever their number. Callbacks another transaction is applying are skipped (absent from the
   * result), like apply()'s null. Each callback is judged in the order it arrived, against its
   * payment as the callbacks before it in the batch left it.
   */
  async applyMany(callbackIds: readonly string[], confirmations?: ReadonlyMap<string, Confirmation>): Promise<Map<string, CallbackState>> {
    if (callbackIds.length === 0) return new Map();
    const closed = await this.bus.transaction(async (manager) => {
      const callbacks = await this.store.lockOpen(manager, callbackIds);
      if (callbacks.length === 0) return { closures: [], receiptChanges: new Map() };
      // What Daraja just said about their CheckoutRequestIDs: judged with it, written with the verdict
      // in this transaction, so nothing (an expiry round) sees the one without the other.
      for (const callback of callbacks) callback.confirmation = confirmations?.get(callback.id) ?? callback.confirmation;

      const batch = new CallbackBatch();
      const readable: { callback: MpesaCallback; parsed: ParsedStkCallback }[] = [];
      for (const callback of callbacks) {
        try {
          readable.push({ callback, parsed: parseStkCallback(JSON.parse(callback.rawBody)) });
        } catch (error) {
          batch.close(callback, 'invalid', null, (error as Error).message);
        }
      }
      await batch.lockPayments(manager, readable.map((r) => r.parsed.checkoutRequestId));
      await batch.loadReceiptOwners(manager, readable.map((r) => r.parsed.mpesaReceiptNumber));

      for (const { callback, parsed } of readable) {
        let payment = batch.paymentFor(parsed.checkoutRequestId) ?? null;
        let matchedBy: string | undefined;
        if (!payment) {
          const verdict = await this.judgeUnknownCheckout(manager, callback, parsed);
          if (verdict.kind !== 'match') {
            closeUnknownCheckout(batch, callback, parsed, verdict);
            continue;
          }
          // Matched by phone and amount only: M-Pesa confirms the receipt first; until then nothing changes.
          const verification = await this.verification(manager, parsed, 'phone-and-amount');
          if (verification.kind !== 'proceed') {
            holdForVerification(batch, callback, parsed, verification, null);
            continue;
          }
          payment = await manager.findOneOrFail(Payment, { where: { id: verdict.paymentId }, lock: { mode: 'pessimistic_write' } });
          matchedBy = 'phone-and-amount';
          await learnCheckoutRequestId(manager, payment.id, parsed.checkoutRequestId, parsed.merchantRequestId);
          await recordPaymentEvent(manager, {
            paymentId: payment.id,
            type: 'callback-matched',
            source: 'callback',
            detail: {
              by: matchedBy,
              checkoutRequestId: parsed.checkoutRequestId,
              callbackId: callback.id,
              confirmedBy: 'stk-push-query',
              ...(this.verifies(parsed) ? { verifiedBy: 'transaction-status' } : {}),
            },
          });
          payment.stkRequestId = parsed.checkoutRequestId;
          batch.addLockedPayment(payment);
        }
        await this.judge(manager, batch, callback, parsed, payment, matchedBy);
      }

      await batch.write(manager, this.settlement, this.store);
      return { closures: batch.closures, receiptChanges: batch.receiptChanges };
    });
    // Counted and reported once committed.
    const reported = new Set<string>();
    for (const closure of closed.closures) {
      const { callback, state, paymentId, note, warning, message } = closure;
      this.metrics.callbackProcessed(state);
      if (closure.receipt) {
        this.reportReceipt(closure, closure.receipt, closed.receiptChanges.get(closure.receipt.receipt), reported);
        continue;
      }
      // One line per callback kept for review, with the money it reports (phone masked) if any.
      if (state === 'review' || state === 'invalid') this.logger.warn({ callbackId: callback.id, paymentId, state, note, ...warning }, message ?? 'Callback kept for review');
      // Once per change of verdict, not on every sweep that judges it again.
      else if (warning && (callback.state !== state || callback.note !== note)) this.logger.warn({ callbackId: callback.id, state, note, ...warning }, message ?? 'Money M-Pesa reported is on no payment');
      else if (state === 'applied' && message) this.logger.log({ callbackId: callback.id, paymentId, note }, message);
    }
    return new Map(closed.closures.map(({ callback, state }) => [callback.id, state]));
  }

  /**
   * The log line of a callback that brought a receipt: one warning per receipt that this batch
   * moved to money a person must see (unmatched, review, refund-due) or dismissed, phone masked;
   * none when its receipt was already so (a second delivery, a sweep judging it again).
   */
  private reportReceipt(closure: CallbackClosure, verdict: ReceiptVerdict, change: { fromState: string | null; toState: string } | undefined, reported: Set<string>): void {
    const { callback, state, paymentId, note, message } = closure;
    if (change && change.toState !== 'applied' && !reported.has(verdict.receipt)) {
      reported.add(verdict.receipt);
      const money = { receipt: verdict.receipt, amount: verdict.amount, phone: verdict.phoneNumber ? maskPhoneNumber(verdict.phoneNumber) : null, checkoutRequestId: verdict.checkoutRequestId };
      const fallback = change.toState === 'dismissed' || change.toState === 'unmatched' ? 'Money M-Pesa reported is on no payment' : 'Callback kept for review';
      this.logger.warn({ callbackId: callback.id, paymentId, state, note, ...money, receiptState: change.toState }, message ?? fallback);
    } else if (state === 'review' && callback.state !== state) {
      // Its receipt was already so (or applied to a payment): the person already has it in view.
      this.logger.log({ callbackId: callback.id, paymentId, state, note, receipt: verdict.receipt }, 'Callback kept for review; its receipt was already recorded');
    } else if (state === 'applied' && message) {
      this.logger.log({ callbackId: callback.id, paymentId, note }, message);
    }
  }

  /**
   * applyMany(), and never held up by one callback: a batch that fails is applied callback by
   * callback, and a callback that fails on its own has the failure recorded (recordFailure). Only
   * a failure to record that (the database is away) is thrown; the callbacks then stay as they were.
   */
  async applyEach(callbackIds: readonly string[], confirmations?: ReadonlyMap<string, Confirmation>): Promise<Map<string, CallbackState>> {
    try {
      return await this.applyMany(callbackIds, confirmations);
    } catch (error) {
      if (callbackIds.length === 1) {
        const state = await this.recordFailure(callbackIds[0], error);
        return state ? new Map([[callbackIds[0], state]]) : new Map();
      }
    }
    const states = new Map<string, CallbackState>();
    for (const id of callbackIds) {
      try {
        for (const [closedId, state] of await this.applyMany([id], confirmations)) states.set(closedId, state);
      } catch (error) {
        const state = await this.recordFailure(id, error);
        if (state) states.set(id, state);
      }
    }
    return states;
  }

  /**
   * Counts a failure to apply one callback (applyFailureKind). Bad data (a value too long, a
   * constraint) will fail the same way every time, so the callback is set aside at once; any other
   * error but a transient one (a bug) after MAX_APPLY_FAILURES tries. Set aside, it waits for a
   * person with its reason, never for ever, and no longer slows every sweep.
   */
  private async recordFailure(callbackId: string, error: unknown): Promise<CallbackState | null> {
    const message = error instanceof Error ? error.message : String(error);
    const kind = applyFailureKind(error);
    if (kind === 'transient') {
      // Not the callback's fault: it stays as it is for the next sweep, uncounted.
      this.logger.error({ callbackId, error: message }, 'Applying a stored callback failed; the sweeper will retry');
      return null;
    }
    const permanent = kind === 'data';
    const row = await this.store.recordFailure(callbackId, message, permanent, MAX_APPLY_FAILURES);
    if (row?.state === 'set-aside') {
      this.metrics.callbackProcessed('set-aside');
      this.logger.warn({ callbackId, failures: row.applyFailures, error: message }, 'Callback set aside: it could not be applied');
      return 'set-aside';
    }
    this.logger.error({ callbackId, failures: row?.applyFailures, error: message }, 'Applying a stored callback failed; the sweeper will retry');
    return null;
  }

  /** Applies callbacks that arrived before the push's answer told us their CheckoutRequestID. */
  async applyWaitingFor(checkoutRequestId: string): Promise<void> {
    // One batch: applyMany judges them in arrival order, as applying them one by one did.
    await this.applyMany(await this.store.openWithCheckout(checkoutRequestId));
  }

  /**
   * A push whose answer was lost: its success callback may be here already, under a CheckoutRequestID
   * we never learnt. Judges again the unmatched callbacks that arrived within the prompt's lifetime
   * after the push was sent (evidence.ts decides whether exactly this payment could have sent one).
   */
  async matchByPhoneAndAmount(paymentId: string): Promise<void> {
    const payment = await this.dataSource.manager.findOneBy(Payment, { id: paymentId });
    if (!payment || payment.status !== 'pending' || payment.stkRequestId) return;
    const sentAt = payment.pushSentAt ?? payment.createdAt;
    await this.applyEach(await this.store.unmatchedReceivedWithin(sentAt, PROMPT_LIFETIME_MS, 500));
  }

  /**
   * Callbacks still open: stored but not applied (a process died), however old, or unmatched within
   * the matching window. Oldest first.
   */
  async openCallbackIds(state: 'received' | 'unmatched', olderThanMs = 0, limit = 500): Promise<{ id: string }[]> {
    return this.store.open(state, olderThanMs, MATCH_WINDOW_HOURS, limit);
  }

  /**
   * The facts evidence.ts needs about a callback whose CheckoutRequestID no payment holds: the pushes
   * of its phone and amount, of any referral and status, that were in flight or whose answer was
   * lost, sent within the prompt's lifetime before the callback arrived. Locked, in id order.
   */
  private async judgeUnknownCheckout(manager: EntityManager, callback: MpesaCallback, parsed: ParsedStkCallback): Promise<UnknownCheckoutVerdict> {
    const success = parsed.resultCode === '0';
    let candidates: UnansweredPush[] = [];
    // A masked (or absent) phone: the pushes of that amount to any phone, so that one still in flight
    // makes the callback wait for its answer rather than be reported as money on no payment.
    if (success && parsed.amount !== null) {
      const rows: { id: string; status: UnansweredPush['status']; push_state: UnansweredPush['pushState'] }[] = await manager.query(
        `SELECT id, status, push_state FROM payments
          WHERE ($1::text IS NULL OR phone_number = $1) AND amount = $2 AND stk_request_id IS NULL AND push_state IN ('sending', 'indeterminate')
            AND COALESCE(push_sent_at, created_at) BETWEEN $3::timestamptz - ($4::int * interval '1 millisecond') AND $3::timestamptz
          ORDER BY id FOR UPDATE`,
        [parsed.phoneNumber, parsed.amount, callback.receivedAt, PROMPT_LIFETIME_MS],
      );
      candidates = rows.map((r) => ({ paymentId: r.id, status: r.status, pushState: r.push_state }));
    }
    return judgeUnknownCheckout({ success, phoneNumber: parsed.phoneNumber, amount: parsed.amount, confirmation: callback.confirmation }, candidates);
  }

  /**
   * What M-Pesa's Transaction Status says of the callback's receipt, as the evidence rule before a
   * status correction or a phone-and-amount match reads it; `proceed` when no initiator is
   * configured (nothing can be asked: CONTRACT.md, MPESA_INITIATOR_NAME) or the callback carries no
   * receipt and amount to ask about (the evidence table doubts such a callback anyway).
   */
  private async verification(manager: EntityManager, parsed: ParsedStkCallback, cause: VerificationCause): Promise<VerificationVerdict> {
    if (!this.verifies(parsed)) return { kind: 'proceed' };
    // FOR SHARE: a Result being applied now is waited for and read, and one applied later waits for
    // this verdict's commit; either way its re-judging (receipt-verified) finds this callback unlocked.
    const [row]: { verification: VerificationFacts | null }[] = await manager.query('SELECT verification FROM receipts WHERE receipt = $1 FOR SHARE', [parsed.mpesaReceiptNumber]);
    return judgeVerification(parsed.mpesaReceiptNumber, parsed.amount, row?.verification ?? null, cause);
  }

  /** Whether the evidence rules ask M-Pesa about this callback's receipt (an initiator, a receipt and an amount). */
  private verifies(parsed: ParsedStkCallback): parsed is ParsedStkCallback & { mpesaReceiptNumber: string; amount: number } {
    return this.config.mpesa.initiator !== null && !!parsed.mpesaReceiptNumber && parsed.amount !== null;
  }

  /** How a failed payment failed: the history row that failed it (this batch's decision if it made it). */
  private async failedBy(manager: EntityManager, batch: CallbackBatch, payment: Payment): Promise<FailedBy | null> {
    const decided = batch.decidedSource(payment.id);
    if (decided) return failedByEvent({ type: decided.eventType ?? 'status-changed', source: decided.source });
    const [event]: { type: string; source: string }[] = await manager.query(
      `SELECT type, source FROM payment_events WHERE payment_id = $1 AND to_status = 'failed' ORDER BY id DESC LIMIT 1`,
      [payment.id],
    );
    return failedByEvent(event ?? null);
  }

  /**
   * The payment's referral, locked (as a settlement locks it, after the payment), and its other
   * payments as this batch leaves them: whether one already paid it, or one is still pending.
   */
  private async referralFacts(manager: EntityManager, batch: CallbackBatch, payment: Payment): Promise<ReferralFacts | null> {
    const [referral]: { status: ReferralFacts['status'] }[] = await manager.query('SELECT status FROM referrals WHERE id = $1 FOR UPDATE', [payment.referralId]);
    if (!referral) return null;
    const others: { id: string; status: Payment['status'] }[] = await manager.query(
      'SELECT id, status FROM payments WHERE referral_id = $1 AND id <> $2 ORDER BY created_at, id',
      [payment.referralId, payment.id],
    );
    const statusOf = (other: { id: string; status: Payment['status'] }) => batch.decidedStatus(other.id) ?? other.status;
    return {
      status: referral.status,
      completedPayment: others.find((o) => statusOf(o) === 'completed')?.id ?? null,
      pendingPayment: others.find((o) => statusOf(o) === 'pending')?.id ?? null,
    };
  }

  /** Decides what one callback does to its (locked) payment; the writes are the batch's. */
  private async judge(
    manager: EntityManager,
    batch: CallbackBatch,
    callback: MpesaCallback,
    parsed: ParsedStkCallback,
    payment: Payment,
    matchedBy: string | undefined,
  ): Promise<void> {
    const { outcome, reason } = classifyResultCode(parsed.resultCode);
    const evidence = { callbackId: callback.id, resultCode: parsed.resultCode, ...(matchedBy ? { matchedBy } : {}) };
    const owner = parsed.mpesaReceiptNumber ? batch.receiptOwner(parsed.mpesaReceiptNumber) : undefined;
    const status = batch.statusOf(payment);
    // Rare: a success callback for a payment already failed. How it failed, and its referral, decide.
    const failedBy = status === 'failed' && outcome === 'completed' ? await this.failedBy(manager, batch, payment) : null;
    const referral = failedBy === 'expiry' || failedBy === 'status-query' ? await this.referralFacts(manager, batch, payment) : null;
    const decision = judgeCallback({
      status,
      heldReceipt: batch.receiptOf(payment),
      expectedAmount: payment.amount,
      expectedPhone: payment.phoneNumber,
      outcome,
      amount: parsed.amount,
      receipt: parsed.mpesaReceiptNumber,
      phoneNumber: parsed.phoneNumber,
      receiptOwner: owner && owner !== payment.id ? owner : null,
      failedBy,
      referral,
    });
    const money = outcome === 'completed' ? reportedMoney(parsed) : undefined;

    // What its receipt becomes (a success callback with a receipt number and an amount only).
    const receipt = (state: ReceiptVerdict['state'], reason: string | null) => receiptVerdict(callback, parsed, state, reason, payment);

    switch (decision.kind) {
      case 'duplicate':
        return batch.close(callback, 'duplicate', payment.id, decision.note, { receipt: receipt('applied', null) });
      case 'conflict':
        batch.laterEvent({
          paymentId: payment.id,
          type: 'callback-conflict',
          source: 'callback',
          detail: { ...evidence, ...(money ? { receipt: money.receipt, amount: money.amount } : {}), note: decision.eventNote },
        });
        return batch.close(callback, 'review', payment.id, decision.note, { warning: money, receipt: receipt('review', decision.note) });
      case 'refund-due':
        // The receipt (refund-due), the callback row (state review, note refund-due: ...) and the payment's history hold it.
        batch.laterEvent({ paymentId: payment.id, type: 'refund-due', source: 'callback', detail: { ...evidence, receipt: money?.receipt, amount: money?.amount, paidBy: decision.paidBy } });
        return batch.close(callback, 'review', payment.id, decision.note, {
          warning: money,
          message: 'Refund due: M-Pesa took money for a referral already paid (the patient paid twice)',
          receipt: receipt('refund-due', decision.note),
        });
      case 'correct': {
        // A failed payment is corrected only once M-Pesa confirms the receipt (CONTRACT, "Verification").
        const verification = await this.verification(manager, parsed, 'status-correction');
        if (verification.kind !== 'proceed') return holdForVerification(batch, callback, parsed, verification, payment);
        batch.correct(payment, {
          outcome: { status: 'completed', resultCode: parsed.resultCode, resultDesc: parsed.resultDesc, receipt: parsed.mpesaReceiptNumber },
          options: {
            source: 'callback',
            eventType: 'status-corrected',
            detail: {
              ...evidence,
              note: decision.note,
              ...(this.verifies(parsed) ? { verifiedBy: 'transaction-status' } : {}),
              overrides: { status: payment.status, by: failedBy, resultCode: payment.resultCode, resultDesc: payment.resultDesc, errorMessage: payment.errorMessage },
            },
          },
        });
        return batch.close(callback, 'applied', payment.id, decision.note, { message: 'Payment status corrected: a success callback overrides its failure', receipt: receipt('applied', null) });
      }
      case 'add-receipt':
        batch.addReceipt(payment, parsed.mpesaReceiptNumber as string, evidence);
        return batch.close(callback, 'applied', payment.id, null, { receipt: receipt('applied', null) });
      case 'fail':
        batch.settle(payment, {
          outcome: { status: 'failed', resultCode: parsed.resultCode, resultDesc: parsed.resultDesc, errorMessage: describeFailure(parsed.resultCode, parsed.resultDesc, reason) },
          options: { source: 'callback', detail: evidence },
        });
        return batch.close(callback, 'applied', payment.id, null);
      case 'amount-mismatch':
        batch.settle(payment, {
          outcome: { status: 'failed', resultCode: parsed.resultCode, resultDesc: parsed.resultDesc, errorMessage: decision.errorMessage },
          options: { source: 'callback', eventType: 'amount-mismatch', detail: { ...evidence, paidAmount: parsed.amount, expectedAmount: payment.amount } },
        });
        return batch.close(callback, 'review', payment.id, decision.errorMessage, { receipt: receipt('review', decision.errorMessage) });
      case 'doubt':
        // Not applied: the status query (which cannot be forged) settles the payment instead.
        // Rare, so written at once, which keeps its history row ahead of any later settlement.
        await queryNow(manager, payment.id);
        await recordPaymentEvent(manager, { paymentId: payment.id, type: 'callback-doubtful', source: 'callback', detail: { ...evidence, doubt: decision.doubt } });
        return batch.close(callback, 'review', payment.id, decision.doubt, { receipt: receipt('review', decision.doubt) });
      case 'complete':
        batch.settle(payment, {
          outcome: { status: 'completed', resultCode: parsed.resultCode, resultDesc: parsed.resultDesc, receipt: parsed.mpesaReceiptNumber },
          options: { source: 'callback', detail: evidence },
        });
        return batch.close(callback, 'applied', payment.id, null, { receipt: receipt('applied', null) });
    }
  }
}

/** Closes a callback evidence.ts did not match to a payment, as its verdict says. */
function closeUnknownCheckout(batch: CallbackBatch, callback: MpesaCallback, parsed: ParsedStkCallback, verdict: Exclude<UnknownCheckoutVerdict, { kind: 'match' }>): void {
  // Money M-Pesa says it took: one warning line (phone masked) whenever it lands on no payment.
  const money = parsed.resultCode === '0' ? reportedMoney(parsed) : undefined;
  switch (verdict.kind) {
    case 'wait':
      return batch.close(callback, 'unmatched', null, verdict.reason);
    case 'confirm':
      return batch.close(callback, 'unmatched', null, verdict.reason, { confirmation: 'needed' });
    case 'forged':
      return batch.close(callback, 'dismissed', null, verdict.reason, { warning: money, receipt: receiptVerdict(callback, parsed, 'dismissed', verdict.reason, null) });
    case 'unmatched':
      return batch.close(callback, 'unmatched', null, verdict.reason, { warning: money, receipt: receiptVerdict(callback, parsed, 'unmatched', verdict.reason, null) });
  }
}

/** What a success callback says M-Pesa took, for a warning line (phone masked) and the history. */
function reportedMoney(parsed: ParsedStkCallback) {
  return { receipt: parsed.mpesaReceiptNumber, amount: parsed.amount, phone: parsed.phoneNumber ? maskPhoneNumber(parsed.phoneNumber) : null, checkoutRequestId: parsed.checkoutRequestId };
}

/**
 * Closes a callback whose receipt M-Pesa has not confirmed (judgeVerification): it waits, unmatched,
 * with its receipt `unmatched` (money a person sees, which also holds back new prompts of that phone
 * and amount), and the Transaction Status is asked once; or, refused by M-Pesa, it goes to review.
 * `payment`: the failed payment it would correct (null for a phone-and-amount match: none is named).
 */
function holdForVerification(batch: CallbackBatch, callback: MpesaCallback, parsed: ParsedStkCallback, verdict: Exclude<VerificationVerdict, { kind: 'proceed' }>, payment: Payment | null): void {
  const money = reportedMoney(parsed);
  if (verdict.kind === 'review') {
    if (payment) batch.laterEvent({ paymentId: payment.id, type: 'callback-conflict', source: 'callback', detail: { callbackId: callback.id, receipt: parsed.mpesaReceiptNumber, amount: parsed.amount, note: verdict.reason } });
    return batch.close(callback, 'review', payment?.id ?? null, verdict.reason, {
      warning: money,
      message: "Callback kept for review: M-Pesa's Transaction Status does not confirm its receipt",
      receipt: receiptVerdict(callback, parsed, 'review', verdict.reason, payment),
    });
  }
  if (verdict.kind === 'ask') batch.askVerification({ receipt: parsed.mpesaReceiptNumber as string, callbackId: callback.id, reason: verdict.reason });
  return batch.close(callback, 'unmatched', null, verdict.reason, {
    warning: money,
    message: "A receipt awaits M-Pesa's Transaction Status before it changes a payment",
    receipt: receiptVerdict(callback, parsed, 'unmatched', verdict.reason, null),
  });
}

/**
 * The Receipt a success callback's verdict makes of its receipt number (CONTRACT.md, "Receipts");
 * undefined for a failure, or a success without a receipt number or an amount (nothing to record:
 * the callback row keeps it). `payment`: the one it paid (applied) or whose CheckoutRequestID it
 * carries (review, refund-due).
 */
function receiptVerdict(callback: MpesaCallback, parsed: ParsedStkCallback, state: ReceiptVerdict['state'], reason: string | null, payment: Payment | null): ReceiptVerdict | undefined {
  if (parsed.resultCode !== '0' || !parsed.mpesaReceiptNumber || parsed.amount === null || !Number.isInteger(parsed.amount)) return undefined;
  return {
    receipt: parsed.mpesaReceiptNumber,
    amount: parsed.amount,
    phoneNumber: parsed.phoneNumber,
    checkoutRequestId: parsed.checkoutRequestId,
    paidAt: parsed.transactionDate,
    state,
    reason,
    paymentId: payment?.id ?? null,
    referralId: payment?.referralId ?? null,
    callbackId: callback.id,
  };
}
