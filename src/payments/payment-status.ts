export const PAYMENT_STATUSES = ['pending', 'completed', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * Where the STK push of a pending payment stands. Internal: clients see only the status.
 * - queued: must be sent (a job exists or the sweeper will publish one)
 * - sending: a worker claimed it and may have sent it; if that worker dies here the push is
 *   treated as indeterminate, never sent again
 * - accepted: Daraja accepted it (stkRequestId known)
 * - indeterminate: sent, but the answer was lost: the prompt may be on the phone
 * - abandoned: never accepted (permanent error or attempts exhausted); the payment failed
 */
export const PUSH_STATES = ['queued', 'sending', 'accepted', 'indeterminate', 'abandoned'] as const;
export type PushState = (typeof PUSH_STATES)[number];

/** Who or what changed a payment, as recorded on its events. */
export type PaymentEventSource = 'api' | 'worker' | 'callback' | 'reconciliation' | 'admin';
