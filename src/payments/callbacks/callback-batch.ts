// What one transaction of callback applications has locked, decided and still has to write.
// Decisions are made one callback at a time against the payments as the batch has left them;
// the writes then go out together, a fixed handful of statements for any number of callbacks.
import { EntityManager, In } from 'typeorm';
import { emitAfterCommit } from '../../events/after-commit.bus';
import { insertLedgerRequest } from '../../ledger/requests/ledger-request-rows';
import { PaymentEventInput, recordPaymentEvents } from '../payment-events';
import { Payment } from '../payment.entity';
import type { PaymentSettlementService, Settlement } from '../state/payment-settlement.service';
import type { PaymentStatus } from '../payment-status';
import { ReceiptChange, ReceiptVerdict, recordReceipts } from '../../receipts/receipt-recording';
import { recordReceiptEvent } from '../../receipts/receipt-rules';
import type { ReceiptState, ReceiptVerification } from '../../receipts/receipt-state';
import type { ApplicationVerdictState } from '../state/callback-state.machine';
import { CALLBACK_NOTE_LENGTH, type CallbackStore } from '../state/callback-store';
import { addReceipts } from '../state/payment-evidence-writes';
import type { MpesaCallback } from './mpesa-callback.entity';

export interface CallbackClosure {
  callback: MpesaCallback;
  /** the verdict's state; CallbackStore writes it as the table's transition to it */
  state: ApplicationVerdictState;
  paymentId: string | null;
  note: string | null;
  /** set when the callback must be confirmed by an STK Push Query before it can be matched */
  confirmation?: 'needed';
  /** a warning to log once committed, if this closure changes what the callback row said */
  warning?: Record<string, unknown>;
  /** the warning line's message, when not the default one for its state */
  message?: string;
  /** a success callback with a receipt number, judged with a final verdict: what its Receipt becomes */
  receipt?: ReceiptVerdict;
}

/** A receipt M-Pesa must confirm (Transaction Status) before a callback that brought it changes a payment. */
interface VerificationAsk {
  receipt: string;
  callbackId: string;
  reason: string;
}

/** A receipt given to a payment completed without one (a status query, an admin). */
interface ReceiptAddition {
  payment: Payment;
  receipt: string;
  detail: Record<string, unknown>;
}

export class CallbackBatch {
  readonly closures: CallbackClosure[] = [];
  private readonly paymentsByCheckout = new Map<string, Payment>();
  private readonly settlements = new Map<string, Settlement>();
  /** final payments a callback changes all the same (the evidence table's status corrections) */
  private readonly corrections = new Map<string, Settlement>();
  private readonly receiptAdditions = new Map<string, ReceiptAddition>();
  private readonly receiptOwners = new Map<string, string>();
  private readonly laterEvents: PaymentEventInput[] = [];
  private readonly verificationAsks = new Map<string, VerificationAsk>();
  /** The receipts write() recorded or moved, by receipt number (for the log lines once committed). */
  readonly receiptChanges = new Map<string, ReceiptChange>();

  /** Locks, in id order (as every batch does, so that two batches cannot deadlock), the payments these checkouts name. */
  async lockPayments(manager: EntityManager, checkoutRequestIds: readonly string[]): Promise<void> {
    const ids = [...new Set(checkoutRequestIds)];
    if (ids.length === 0) return;
    const payments = await manager.find(Payment, { where: { stkRequestId: In(ids) }, order: { id: 'ASC' }, lock: { mode: 'pessimistic_write' } });
    for (const payment of payments) this.addLockedPayment(payment);
  }

  /** Which payments already hold these receipts: a receipt pays one payment only. */
  async loadReceiptOwners(manager: EntityManager, receipts: readonly (string | null)[]): Promise<void> {
    const wanted = [...new Set(receipts.filter((r): r is string => !!r))];
    if (wanted.length === 0) return;
    const owners: { id: string; mpesa_transaction_id: string }[] = await manager.query(
      'SELECT id, mpesa_transaction_id FROM payments WHERE mpesa_transaction_id = ANY($1::varchar[])',
      [wanted],
    );
    for (const owner of owners) this.receiptOwners.set(owner.mpesa_transaction_id, owner.id);
  }

  /** A payment locked by this transaction some other way (matched by phone and amount). */
  addLockedPayment(payment: Payment): void {
    if (payment.stkRequestId) this.paymentsByCheckout.set(payment.stkRequestId, payment);
  }

  paymentFor(checkoutRequestId: string): Payment | undefined {
    return this.paymentsByCheckout.get(checkoutRequestId);
  }

  /** The payment's status once this batch is written. */
  statusOf(payment: Payment): PaymentStatus {
    return this.decided(payment.id)?.outcome.status ?? payment.status;
  }

  /** The status this batch gives a payment, if it changes it. */
  decidedStatus(paymentId: string): PaymentStatus | undefined {
    return this.decided(paymentId)?.outcome.status;
  }

  /** How this batch makes the payment final, if it does. */
  decidedSource(paymentId: string): Settlement['options'] | undefined {
    return this.decided(paymentId)?.options;
  }

  /** The payment's receipt once this batch is written. */
  receiptOf(payment: Payment): string | null {
    const added = this.receiptAdditions.get(payment.id);
    if (added) return added.receipt;
    const outcome = this.decided(payment.id)?.outcome;
    return outcome?.status === 'completed' ? (outcome.receipt ?? payment.mpesaTransactionId) : payment.mpesaTransactionId;
  }

  private decided(paymentId: string): Settlement | undefined {
    return this.corrections.get(paymentId) ?? this.settlements.get(paymentId);
  }

  receiptOwner(receipt: string): string | undefined {
    return this.receiptOwners.get(receipt);
  }

  settle(payment: Payment, decision: Omit<Settlement, 'payment'>): void {
    if (this.statusOf(payment) !== 'pending') throw new Error(`payment ${payment.id} is settled twice in one batch`);
    this.settlements.set(payment.id, { payment, ...decision });
    if (decision.outcome.status === 'completed' && decision.outcome.receipt) this.receiptOwners.set(decision.outcome.receipt, payment.id);
  }

  /** A final (failed) payment completed all the same: the evidence table's status correction. */
  correct(payment: Payment, decision: Omit<Settlement, 'payment'>): void {
    if (payment.status === 'pending' || this.decided(payment.id)) throw new Error(`payment ${payment.id} is not a final payment this batch leaves alone`);
    this.corrections.set(payment.id, { payment, ...decision });
    if (decision.outcome.status === 'completed' && decision.outcome.receipt) this.receiptOwners.set(decision.outcome.receipt, payment.id);
  }

  /** Gives a payment completed without a receipt the receipt a callback brought. */
  addReceipt(payment: Payment, receipt: string, detail: Record<string, unknown>): void {
    if (this.statusOf(payment) !== 'completed' || this.receiptOf(payment) !== null) throw new Error(`payment ${payment.id} cannot take a receipt`);
    this.receiptAdditions.set(payment.id, { payment, receipt, detail });
    this.receiptOwners.set(receipt, payment.id);
  }

  /** A history row that must follow the settlements (it describes a payment already final). */
  laterEvent(event: PaymentEventInput): void {
    this.laterEvents.push(event);
  }

  /** A Transaction Status owed on a receipt before its callback may change a payment (evidence.ts, judgeVerification). */
  askVerification(ask: VerificationAsk): void {
    if (!this.verificationAsks.has(ask.receipt)) this.verificationAsks.set(ask.receipt, ask);
  }

  close(callback: MpesaCallback, state: ApplicationVerdictState, paymentId: string | null, note: string | null, extra: Pick<CallbackClosure, 'confirmation' | 'warning' | 'message' | 'receipt'> = {}): void {
    this.closures.push({ callback, state, paymentId, note: note?.slice(0, CALLBACK_NOTE_LENGTH) ?? null, ...extra });
  }

  async write(manager: EntityManager, settlement: PaymentSettlementService, store: CallbackStore): Promise<void> {
    await settlement.settleManyLocked(manager, [...this.settlements.values()]);
    // Rare (a late callback), so one payment at a time; apply() writes whatever the status.
    for (const correction of this.corrections.values()) await settlement.apply(manager, correction.payment, correction.outcome, correction.options);
    await addReceipts(
      manager,
      [...this.receiptAdditions.values()].map((a) => ({ paymentId: a.payment.id, referralId: a.payment.referralId, receipt: a.receipt, event: { source: 'callback', detail: a.detail } })),
    );
    await recordPaymentEvents(manager, this.laterEvents);
    if (this.closures.length === 0) return;
    await store.closeVerdicts(
      manager,
      this.closures.map((c) => ({
        id: c.callback.id,
        state: c.state,
        paymentId: c.paymentId,
        note: c.note,
        // A confirmation learnt for this application (MpesaCallback.confirmation set by the caller) is written with its verdict.
        confirmation: c.confirmation ?? c.callback.confirmation ?? null,
      })),
    );
    // Last, so that receipts are locked after the payments and referrals above, in the order every
    // other writer (an admin resolving one) takes them.
    const verdicts = this.closures.flatMap((c) => (c.receipt ? [c.receipt] : []));
    for (const change of await recordReceipts(manager, verdicts)) this.receiptChanges.set(change.receipt, change);
    await this.writeVerificationAsks(manager);
  }

  /**
   * The Transaction Status requests this batch owes, once per receipt: the receipt says `pending`
   * and the request row is written in this transaction, so a crash loses neither; the send job is
   * published after the commit (and the ledger sweep publishes any whose job was lost).
   */
  private async writeVerificationAsks(manager: EntityManager): Promise<void> {
    for (const ask of this.verificationAsks.values()) {
      const pending: ReceiptVerification = { status: 'pending', amount: null, payer: null, resultCode: null, at: new Date().toISOString() };
      const [marked]: [{ state: ReceiptState }[], number] = await manager.query(
        'UPDATE receipts SET verification = $2, updated_at = now() WHERE receipt = $1 AND verification IS NULL RETURNING state',
        [ask.receipt, JSON.stringify(pending)],
      );
      // Asked already (another callback, an admin): that ask's Result serves this callback too.
      if (marked.length === 0) continue;
      const requestId = await insertLedgerRequest(manager, { kind: 'transaction-status', purpose: 'verify', receipt: ask.receipt, requestedBy: 'callback', note: ask.reason });
      const state = marked[0].state;
      await recordReceiptEvent(manager, { receipt: ask.receipt, type: 'verification-requested', fromState: state, toState: state, source: 'callback', detail: { callbackId: ask.callbackId, requestId, reason: ask.reason } });
      emitAfterCommit(manager, 'ledger-request-queued', { requestId });
    }
  }
}
