// Evidence: which callback may change which payment (CONTRACT.md, "Evidence"). This file holds the
// rules for a callback whose CheckoutRequestID no push of ours received an answer for: what could
// have sent it, when to wait, when to ask Daraja, and when no guess may be made. Pure functions:
// CallbackApplicationService gathers the facts and writes what these decide.
import type { StkQueryResult } from '../mpesa/daraja.types';
import type { PaymentStatus } from './payment-status';

/**
 * How long a prompt can be live on a phone. Daraja does not publish it (about a minute is the usual
 * report; 1037/1019 end it); five minutes also covers a callback that arrives late. Only a push sent
 * within this long before a callback can have sent it.
 */
export const PROMPT_LIFETIME_MS = 5 * 60_000;

/** Whether Daraja knows a callback's CheckoutRequestID: asked by an STK Push Query. */
export type Confirmation = 'needed' | 'known' | 'unknown';

/**
 * A push of the callback's phone (any phone when the callback's is masked) and amount, sent within
 * the prompt's lifetime before it, whose answer we lack.
 */
export interface UnansweredPush {
  paymentId: string;
  status: PaymentStatus;
  /** sending: still waiting for Daraja's answer; indeterminate: the answer was lost */
  pushState: 'sending' | 'indeterminate';
}

export interface UnknownCheckoutCallback {
  success: boolean;
  /** null when absent or masked by Daraja */
  phoneNumber: string | null;
  amount: number | null;
  confirmation: Confirmation | null;
}

export type UnknownCheckoutVerdict =
  /** a push that may have sent it still waits for its answer: kept, judged again once that is stored */
  | { kind: 'wait'; reason: string }
  /** ask Daraja whether it issued this CheckoutRequestID before anything else */
  | { kind: 'confirm'; reason: string }
  /** Daraja does not know the id: forged; nothing changes */
  | { kind: 'forged'; reason: string }
  /** exactly one payment could have sent it */
  | { kind: 'match'; paymentId: string }
  /** no guess is made: it waits for the ledger or an admin */
  | { kind: 'unmatched'; reason: string };

/**
 * The rule for a callback whose CheckoutRequestID no payment holds. `candidates` are the pushes of
 * its phone and amount that were in flight or whose answer was lost, sent within PROMPT_LIFETIME_MS
 * before it arrived, of any referral and any status.
 */
export function judgeUnknownCheckout(callback: UnknownCheckoutCallback, candidates: readonly UnansweredPush[]): UnknownCheckoutVerdict {
  // A failure moves no money: it is applied if a push's answer ever brings its id.
  if (!callback.success) return { kind: 'unmatched', reason: 'no payment has this CheckoutRequestID yet' };
  const inFlight = candidates.filter((c) => c.pushState === 'sending');
  if (inFlight.length > 0) {
    return { kind: 'wait', reason: `waiting for the answer of ${inFlight.length === 1 ? 'an STK push' : `${inFlight.length} STK pushes`} of this phone and amount still in flight` };
  }
  if (callback.confirmation === null || callback.confirmation === 'needed') {
    return { kind: 'confirm', reason: 'no push of ours was answered with this CheckoutRequestID; awaiting an STK Push Query to confirm it' };
  }
  if (callback.confirmation === 'unknown') return { kind: 'forged', reason: 'forged: Daraja does not know this CheckoutRequestID (STK Push Query)' };
  if (callback.phoneNumber === null) return { kind: 'unmatched', reason: 'confirmed by Daraja, but its phone number is masked or absent: no payment can be determined' };
  if (callback.amount === null) return { kind: 'unmatched', reason: 'confirmed by Daraja, but it carries no amount: no payment can be determined' };
  if (candidates.length === 0) {
    return { kind: 'unmatched', reason: 'confirmed by Daraja, but no push of this phone and amount was in flight or lost within the prompt lifetime before it' };
  }
  if (candidates.length > 1) {
    return { kind: 'unmatched', reason: `confirmed by Daraja, but ${candidates.length} pushes of this phone and amount could have sent it: no guess is made` };
  }
  const [only] = candidates;
  if (only.status !== 'pending') {
    return { kind: 'unmatched', reason: `confirmed by Daraja; the only payment that could have sent it is already ${only.status}: left for the ledger or an admin` };
  }
  return { kind: 'match', paymentId: only.paymentId };
}

/**
 * What an STK Push Query answer says about a callback's CheckoutRequestID: any answer about the
 * transaction (final or still processing) means Daraja issued it; "Invalid CheckoutRequestID" means
 * it did not; anything else (busy, network, token) says nothing yet: null, ask again later.
 */
export function confirmationFrom(answer: StkQueryResult): 'known' | 'unknown' | null {
  if (answer.kind === 'final' || answer.kind === 'processing') return 'known';
  if (answer.errorClass === 'permanent' && answer.httpStatus === 400 && /checkoutrequestid/i.test(answer.errorMessage)) return 'unknown';
  return null;
}

/** What a callback for a payment that holds its CheckoutRequestID says, and what the payment is. */
export interface CallbackFacts {
  /** the payment's status as the callbacks before this one left it */
  status: PaymentStatus;
  /** the receipt the payment holds (or will, once its batch is written) */
  heldReceipt: string | null;
  expectedAmount: number;
  expectedPhone: string;
  outcome: 'completed' | 'failed';
  amount: number | null;
  receipt: string | null;
  /** null when absent or masked by Daraja */
  phoneNumber: string | null;
  /** another payment that already holds this receipt */
  receiptOwner: string | null;
}

export type CallbackDecision =
  /** the payment already says the same */
  | { kind: 'duplicate'; note: string }
  /** contradicts a final payment: kept for review, nothing changes */
  | { kind: 'conflict'; note: string; eventNote: string }
  /** a failure callback fails the pending payment */
  | { kind: 'fail' }
  /** paid, but not the payment's amount: it fails, and the callback is kept for review */
  | { kind: 'amount-mismatch'; errorMessage: string }
  /** not believed on its own word: the status query settles the payment instead */
  | { kind: 'doubt'; doubt: string }
  | { kind: 'complete' };

/**
 * The evidence table's rows for a callback whose CheckoutRequestID a payment holds (the rows for a
 * push whose answer is not known yet are judgeUnknownCheckout's).
 */
export function judgeCallback(f: CallbackFacts): CallbackDecision {
  if (f.status !== 'pending') {
    const same = f.status === f.outcome && (f.outcome !== 'completed' || f.heldReceipt === f.receipt);
    if (same) return { kind: 'duplicate', note: `payment already ${f.status}` };
    return { kind: 'conflict', note: `contradicts the ${f.status} payment`, eventNote: `callback says ${f.outcome}; payment stays ${f.status}` };
  }
  if (f.outcome === 'failed') return { kind: 'fail' };
  if (f.amount !== null && f.amount !== f.expectedAmount) {
    return { kind: 'amount-mismatch', errorMessage: `Amount mismatch: M-Pesa reported KES ${f.amount} paid, the payment expected KES ${f.expectedAmount}` };
  }
  if (f.amount === null) return { kind: 'doubt', doubt: 'success callback without an Amount' };
  if (!f.receipt) return { kind: 'doubt', doubt: 'success callback without a receipt number' };
  if (f.phoneNumber && f.phoneNumber !== f.expectedPhone) return { kind: 'doubt', doubt: 'paying phone number differs from the payment' };
  if (f.receiptOwner) return { kind: 'doubt', doubt: `receipt ${f.receipt} already paid payment ${f.receiptOwner}` };
  return { kind: 'complete' };
}
