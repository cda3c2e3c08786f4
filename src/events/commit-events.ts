// What committed transactions tell the rest of the process: each topic's payload.
import type { PaymentEventSource, PaymentStatus } from '../payments/payment-status';

/** A payment history row that is now durable. */
export interface PaymentChange {
  paymentId: string;
  /** Known where the change was made (most writers hold the payment); looked up otherwise. */
  referralId?: string;
  type: string;
  fromStatus: PaymentStatus | null;
  toStatus: PaymentStatus | null;
  source: PaymentEventSource;
}

export interface CommitEvents {
  /** A payment changed (its history row committed): live stream, metrics. */
  'payment-changed': PaymentChange;
  /** A push is owed (the payment row says so): publish its job. */
  'push-owed': { paymentId: string };
  /** Daraja's answer to a push is stored: apply callbacks that waited for it. */
  'push-answer-stored': { checkoutRequestId: string };
  /** A push's answer is lost: its callback may be here already under an id we never learnt. */
  'push-answer-lost': { paymentId: string };
  /** A ledger request (Transaction Status, Reversal) is owed: publish its send job. */
  'ledger-request-queued': { requestId: string };
  /** M-Pesa's Transaction Status answered about a receipt: callbacks that waited for it are judged again. */
  'receipt-verified': { receipt: string };
  /** A referral entered pending-payment but no push was started: a receipt of its phone and fee is under review. */
  'push-withheld': { referralId: string; receipt: string; amount: number; maskedPhone: string; receiptState: string };
}

export type CommitTopic = keyof CommitEvents;
