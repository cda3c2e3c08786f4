// A receipt's states and which change each source may make (CONTRACT.md, "Receipts"). The callback
// path writes its moves in one statement (recordReceipts), so the rule is here as data, and the SQL
// reads the same lists.
export const RECEIPT_STATES = ['applied', 'unmatched', 'review', 'refund-due', 'refunded', 'refund-failed', 'dismissed'] as const;
export type ReceiptState = (typeof RECEIPT_STATES)[number];

export const RECEIPT_SOURCES = ['callback', 'ledger', 'statement'] as const;
export type ReceiptSource = (typeof RECEIPT_SOURCES)[number];

/** Who or what changed a receipt, on its events. */
export type ReceiptEventSource = 'callback' | 'admin' | 'migration' | 'api' | 'ledger';

/** Money a person must look at: it blocks new pushes of that phone and amount (RECEIPT_UNDER_REVIEW). */
export const UNDER_REVIEW_STATES: readonly ReceiptState[] = ['unmatched', 'review'];

/** The states an admin may resolve (attach or dismiss). */
export const RESOLVABLE_STATES: readonly ReceiptState[] = ['unmatched', 'review', 'refund-due'];

/**
 * What a callback may change on a receipt already recorded. A callback that pays a payment moves
 * the receipt to applied from any state but applied (the payment's unique receipt column already
 * keeps it off a second payment) and the refund states (the money went back). Any other verdict
 * only moves a receipt still unmatched: a receipt in review, refund-due or dismissed waits for a
 * person, and an applied one that pays a payment is never demoted by a later callback.
 */
export const CALLBACK_MAY_APPLY_FROM: readonly ReceiptState[] = ['unmatched', 'review', 'refund-due', 'dismissed'];
export const CALLBACK_MAY_JUDGE_FROM: readonly ReceiptState[] = ['unmatched'];

export const VERIFICATION_STATUSES = ['pending', 'confirmed', 'unknown-receipt', 'differs'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** What M-Pesa's Transaction Status said about a receipt (CONTRACT.md, "Ledger reconciliation"). */
export interface ReceiptVerification {
  status: VerificationStatus;
  /** the amount M-Pesa reports, whole KES */
  amount: number | null;
  /** the paying MSISDN (2547…) as M-Pesa reports it, or its raw identifier when it is not a number we read */
  payer: string | null;
  resultCode: string | null;
  /** when the status was set (the request, or the result) */
  at: string;
}

export const REFUND_STATUSES = ['pending', 'refunded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export interface ReceiptRefund {
  status: RefundStatus;
  /** the reversal's own receipt; null until known (also when the refund was settled by a check) */
  reversalReceipt: string | null;
  resultCode: string | null;
  reason: string;
  /** the role of the key that asked for it */
  requestedBy: string;
  at: string;
}
