// The payment status machine, in one table: which source may move a payment from which status to
// which. A pending payment settles once (callback, status query, push worker); a final one changes
// only on stronger evidence (a success callback over a failure, evidence.ts) or by an admin.
import type { PaymentEventSource, PaymentStatus } from '../payment-status';

export const PAYMENT_STATUS_TRANSITIONS: Readonly<Record<PaymentStatus, Readonly<Partial<Record<PaymentStatus, readonly PaymentEventSource[]>>>>> = {
  pending: {
    completed: ['callback', 'reconciliation', 'admin'],
    failed: ['worker', 'callback', 'reconciliation', 'admin'],
  },
  completed: {
    /** an admin gives a completed payment its receipt */
    completed: ['admin'],
    /** an admin takes the payment back */
    failed: ['admin'],
  },
  failed: {
    /**
     * a receipt beats a failure from weaker evidence (expiry, a status query): a success callback's,
     * or one M-Pesa's own ledger holds (the ledger sweep, source reconciliation; a status query never
     * reaches a final payment: only pending ones are leased for a query); or an admin
     */
    completed: ['callback', 'reconciliation', 'admin'],
    failed: ['admin'],
  },
};

export type StatusCheck = { allowed: true } | { allowed: false; reason: 'not-in-table' | 'source' };

export function checkStatusChange(from: PaymentStatus, to: PaymentStatus, source: PaymentEventSource): StatusCheck {
  const sources = PAYMENT_STATUS_TRANSITIONS[from][to];
  if (!sources) return { allowed: false, reason: 'not-in-table' };
  return sources.includes(source) ? { allowed: true } : { allowed: false, reason: 'source' };
}

/** For writers: a change the table refuses is a bug in its caller, never a state to store. */
export function assertStatusChange(paymentId: string, from: PaymentStatus, to: PaymentStatus, source: PaymentEventSource): void {
  const check = checkStatusChange(from, to, source);
  if (!check.allowed) throw new Error(`payment ${paymentId}: ${source} may not move it from ${from} to ${to} (${check.reason})`);
}
