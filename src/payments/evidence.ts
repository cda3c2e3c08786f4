// Evidence: which callback may change which payment (CONTRACT.md, "Evidence"). This file holds the
// table: for a callback whose CheckoutRequestID a payment holds, what it does to that payment,
// pending or final (judgeCallback); for one whose CheckoutRequestID no push of ours received an
// answer for, what could have sent it, when to wait, when to ask Daraja, and when no guess may be
// made (judgeUnknownCheckout). Pure functions: CallbackApplicationService gathers the facts and
// writes what these decide.
import type { StkQueryResult } from '../mpesa/daraja.types';
import type { ReferralStatus } from '../referrals/referral-status';
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

/**
 * How a failed payment came to fail, read from the history row that failed it (failedByEvent):
 * expiry and a status query are weaker evidence than a success callback; a failure callback and an
 * admin are not overridden by one; push: Daraja never accepted the push.
 */
export type FailedBy = 'expiry' | 'status-query' | 'callback' | 'admin' | 'push';

/** The source and type of the history row that made a payment failed, as evidence. */
export function failedByEvent(event: { type: string; source: string } | null): FailedBy | null {
  if (!event) return null;
  if (event.source === 'reconciliation') return event.type === 'expired' ? 'expiry' : 'status-query';
  if (event.source === 'callback') return 'callback';
  if (event.source === 'admin') return 'admin';
  if (event.source === 'worker') return 'push';
  return null;
}

/** What a referral says about completing one more of its payments (a failed one, corrected). */
export interface ReferralFacts {
  status: ReferralStatus;
  /** another payment of the referral that is completed (or becomes so in this batch) */
  completedPayment: string | null;
  /** another payment of the referral still pending: its prompt may be on the phone */
  pendingPayment: string | null;
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
  /** how a failed payment failed; gathered only for a success callback on a failed payment */
  failedBy?: FailedBy | null;
  /** its referral; gathered only for a success callback on a payment failed by expiry or a status query */
  referral?: ReferralFacts | null;
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
  | { kind: 'complete' }
  /** a payment failed by expiry or a status query is completed by its success callback (event status-corrected) */
  | { kind: 'correct'; note: string }
  /** a payment completed without a receipt (a status query, an admin) gets the callback's (event receipt-added) */
  | { kind: 'add-receipt' }
  /** the referral was already paid by another payment: the patient paid twice; kept for review, nothing changes */
  | { kind: 'refund-due'; note: string; paidBy: string };

/**
 * Why a success callback on a final payment is not the genuine article the evidence table asks
 * for before it changes anything (receipt, the payment's amount, its phone or a masked one, a
 * receipt no other payment holds); null when it is.
 */
function notGenuine(f: CallbackFacts): string | null {
  if (!f.receipt) return 'it carries no receipt number';
  if (f.amount === null) return 'it carries no amount';
  if (f.amount !== f.expectedAmount) return `it reports KES ${f.amount} paid, the payment is for KES ${f.expectedAmount}`;
  if (f.phoneNumber && f.phoneNumber !== f.expectedPhone) return 'its paying phone number differs from the payment';
  if (f.receiptOwner) return `receipt ${f.receipt} already pays payment ${f.receiptOwner}`;
  return null;
}

const FAILED_BY_WORDS: Record<FailedBy, string> = {
  expiry: 'expiry',
  'status-query': 'a status query',
  callback: 'a failure callback',
  admin: 'an admin',
  push: 'Daraja refusing the push',
};

/** The rows for a success callback on a payment that is already completed. */
function successOnCompleted(f: CallbackFacts): CallbackDecision {
  if (f.heldReceipt === f.receipt) return { kind: 'duplicate', note: 'payment already completed' };
  if (f.heldReceipt !== null) {
    return { kind: 'conflict', note: `the payment is completed with another receipt (${f.heldReceipt}): kept for review`, eventNote: `callback brings receipt ${f.receipt}; payment keeps ${f.heldReceipt}` };
  }
  const why = notGenuine(f);
  if (why) return { kind: 'conflict', note: `the payment is completed without a receipt, but ${why}: its receipt is not added; kept for review`, eventNote: `receipt not added: ${why}` };
  return { kind: 'add-receipt' };
}

/** The rows for a success callback on a payment that is already failed. */
function successOnFailed(f: CallbackFacts): CallbackDecision {
  const review = (why: string): CallbackDecision => ({ kind: 'conflict', note: `the payment is failed and ${why}: kept for review`, eventNote: `callback says completed; payment stays failed: ${why}` });
  const failedBy = f.failedBy ?? null;
  if (failedBy !== 'expiry' && failedBy !== 'status-query') {
    return review(failedBy ? `was failed by ${FAILED_BY_WORDS[failedBy]}, which a success callback does not override` : 'how it failed is not recorded');
  }
  const why = notGenuine(f);
  if (why) return review(why);
  const referral = f.referral;
  if (!referral) return review('its referral is not known');
  if (referral.completedPayment) {
    return {
      kind: 'refund-due',
      paidBy: referral.completedPayment,
      note: `refund-due: the referral was already paid by payment ${referral.completedPayment}; receipt ${f.receipt} (KES ${f.amount}) is the patient paying twice`,
    };
  }
  // The money is real, but the referral no longer wants it: not paid behind anyone's back.
  if (referral.status !== 'pending-payment') return review(`its referral is ${referral.status}, so the money M-Pesa took is left to an admin`);
  // Completing this one would leave a live prompt asking the patient to pay again (the admin's rule too).
  if (referral.pendingPayment) return review(`another payment of its referral (${referral.pendingPayment}) is pending, whose prompt may be paid too`);
  return { kind: 'correct', note: `success callback with receipt ${f.receipt} overrides the failure by ${FAILED_BY_WORDS[failedBy]}` };
}

/**
 * The evidence table's rows for a callback whose CheckoutRequestID a payment holds (the rows for a
 * push whose answer is not known yet are judgeUnknownCheckout's).
 */
export function judgeCallback(f: CallbackFacts): CallbackDecision {
  if (f.status === 'completed') {
    if (f.outcome === 'failed') return { kind: 'conflict', note: 'contradicts the completed payment', eventNote: 'callback says failed; payment stays completed' };
    return successOnCompleted(f);
  }
  if (f.status === 'failed') {
    if (f.outcome === 'failed') return { kind: 'duplicate', note: 'payment already failed' };
    return successOnFailed(f);
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

/** What M-Pesa's Transaction Status has said about a receipt (receipts.verification), as evidence. */
export interface VerificationFacts {
  status: 'pending' | 'confirmed' | 'unknown-receipt' | 'differs';
  /** the amount M-Pesa reports for the receipt */
  amount: number | null;
}

/** Why a receipt must be verified before it completes a payment (CONTRACT.md, "Verification"). */
export type VerificationCause = 'status-correction' | 'phone-and-amount';

export type VerificationVerdict =
  /** M-Pesa confirmed the receipt for the payment's amount: the evidence rule applies */
  | { kind: 'proceed' }
  /** never asked: a Transaction Status is sent, and the callback waits for its Result */
  | { kind: 'ask'; reason: string }
  /** asked, no Result yet (or the ask was refused): it waits; the payment does not change */
  | { kind: 'wait'; reason: string }
  /** M-Pesa does not know the receipt (2032) or gives another amount: the receipt goes to review */
  | { kind: 'review'; reason: string };

const CAUSE_WORDS: Record<VerificationCause, string> = {
  'status-correction': 'corrects the failed payment',
  'phone-and-amount': 'completes the payment matched by phone and amount',
};

/**
 * The rule before a receipt completes a payment that is failed (a status correction) or one
 * matched by phone and amount, whenever an initiator is configured: M-Pesa's own ledger must
 * confirm the receipt with the payment's amount first. A callback is unsigned; Transaction Status
 * is an answer M-Pesa sends to the ResultURL of a request we signed with our credential.
 */
export function judgeVerification(receipt: string, expectedAmount: number, verification: VerificationFacts | null, cause: VerificationCause): VerificationVerdict {
  const waiting = `awaiting Transaction Status of receipt ${receipt} before it ${CAUSE_WORDS[cause]}`;
  if (verification === null) return { kind: 'ask', reason: waiting };
  switch (verification.status) {
    case 'pending':
      return { kind: 'wait', reason: waiting };
    case 'unknown-receipt':
      return { kind: 'review', reason: `M-Pesa's Transaction Status does not know receipt ${receipt} (2032): it ${CAUSE_WORDS[cause]} only once M-Pesa confirms it` };
    case 'differs':
      return { kind: 'review', reason: `M-Pesa's Transaction Status gives KES ${verification.amount ?? '?'} for receipt ${receipt}, not the KES ${expectedAmount} the callback reports` };
    case 'confirmed':
      if (verification.amount !== null && verification.amount !== expectedAmount) {
        return { kind: 'review', reason: `M-Pesa confirms receipt ${receipt} for KES ${verification.amount}, the payment is for KES ${expectedAmount}` };
      }
      return { kind: 'proceed' };
  }
}
