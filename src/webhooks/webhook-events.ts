// The event types of the contract and which history rows make which events. Payment history rows
// that change nothing a receiver can see (status queries, push retries, doubtful callbacks) make
// none; a referral's status change always makes `referral.status_changed`, and entering `paid`
// also makes `referral.paid`, so a receiver interested only in payment can subscribe to just that.
import type { PaymentStatus } from '../payments/payment-status';

export const WEBHOOK_EVENT_TYPES = [
  'payment.created',
  'payment.push_accepted',
  'payment.completed',
  'payment.failed',
  'payment.corrected',
  'referral.status_changed',
  'referral.paid',
  'receipt.needs_review',
  'reconciliation.report_ready',
  // Not in the contract's list: an endpoint disabled after 5 days of failures, told to the others.
  'webhook_endpoint.disabled',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface PaymentHistoryRow {
  type: string;
  fromStatus: PaymentStatus | null;
  toStatus: PaymentStatus | null;
}

export function paymentEventTypes(row: PaymentHistoryRow): WebhookEventType[] {
  if (row.type === 'created' || row.type === 'retry-created') return ['payment.created'];
  if (row.type === 'push-accepted') return ['payment.push_accepted'];
  if (!row.toStatus || row.toStatus === row.fromStatus) return [];
  if (row.fromStatus === 'pending') return row.toStatus === 'completed' ? ['payment.completed'] : row.toStatus === 'failed' ? ['payment.failed'] : [];
  // A settled payment moved again: an admin's correction, or late money correcting a failure
  // (status-corrected). A failed payment that now completed is also a completion: a receiver
  // waiting for payment.completed must hear of the money.
  if (row.fromStatus === 'failed' && row.toStatus === 'completed') return ['payment.corrected', 'payment.completed'];
  if (row.fromStatus === 'completed' || row.fromStatus === 'failed') return ['payment.corrected'];
  return [];
}

/** Receipt states that put money in front of an admin (CONTRACT.md, "Receipts"). */
const NEEDS_REVIEW = ['unmatched', 'review', 'refund-due'];

/** A receipt that has just come to need an admin: unmatched, in review or refund-due. */
export function receiptEventTypes(row: { fromState: string | null; toState: string | null }): WebhookEventType[] {
  return row.toState !== null && NEEDS_REVIEW.includes(row.toState) && row.fromState !== row.toState ? ['receipt.needs_review'] : [];
}

export function referralEventTypes(row: { toStatus: string }): WebhookEventType[] {
  return row.toStatus === 'paid' ? ['referral.status_changed', 'referral.paid'] : ['referral.status_changed'];
}

/** The body every endpoint receives for one event. */
export interface WebhookEventBody {
  id: string;
  type: string;
  createdAt: string;
  data: unknown;
}
