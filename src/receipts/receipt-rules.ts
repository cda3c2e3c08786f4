// The receipt rules other payment paths must keep, as plain functions on the caller's transaction:
// no new push while money of that phone and amount waits for a person, and a receipt an admin
// types in by hand never pays two payments.
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { maskPhoneNumber } from '../mpesa/phone-number';
import { RESOLVABLE_STATES, UNDER_REVIEW_STATES, ReceiptEventSource, ReceiptState } from './receipt-state';

export interface ReceiptUnderReview {
  receipt: string;
  amount: number;
  phoneNumber: string;
  state: ReceiptState;
}

/**
 * A receipt of this phone and amount that is unmatched or in review, oldest first: the patient may
 * already have paid, so another prompt could charge them twice.
 */
export async function receiptUnderReview(manager: EntityManager, phoneNumber: string, amount: number): Promise<ReceiptUnderReview | null> {
  const [row]: { receipt: string; amount: number; phone_number: string; state: ReceiptState }[] = await manager.query(
    'SELECT receipt, amount, phone_number, state FROM receipts WHERE phone_number = $1 AND amount = $2 AND state = ANY($3::text[]) ORDER BY created_at, seq LIMIT 1',
    [phoneNumber, amount, UNDER_REVIEW_STATES],
  );
  return row ? { receipt: row.receipt, amount: row.amount, phoneNumber: row.phone_number, state: row.state } : null;
}

export function receiptUnderReviewError(found: ReceiptUnderReview): DomainError {
  return new DomainError(
    'RECEIPT_UNDER_REVIEW',
    `Receipt ${found.receipt} (KES ${found.amount} from ${maskPhoneNumber(found.phoneNumber)}) is ${found.state === 'review' ? 'in review' : 'unmatched'}: the patient may already have paid; resolve it first`,
    { receipt: found.receipt },
  );
}

/** Refuses (409 RECEIPT_UNDER_REVIEW) a new payment or retry of this phone and amount while such a receipt waits. */
export async function refuseWhileReceiptUnderReview(manager: EntityManager, phoneNumber: string, amount: number): Promise<void> {
  const found = await receiptUnderReview(manager, phoneNumber, amount);
  if (found) throw receiptUnderReviewError(found);
}

/** A history row on a receipt, in the caller's transaction. */
export async function recordReceiptEvent(
  manager: EntityManager,
  event: { receipt: string; type: string; fromState?: ReceiptState | null; toState?: ReceiptState | null; source: ReceiptEventSource; detail?: Record<string, unknown> },
): Promise<void> {
  await manager.query('INSERT INTO receipt_events (receipt, type, from_state, to_state, source, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
    event.receipt,
    event.type,
    event.fromState ?? null,
    event.toState ?? null,
    event.source,
    JSON.stringify(event.detail ?? {}),
  ]);
}

/**
 * An admin's manual update completes `payment` with `receipt` (POST /api/update-payment-status).
 * When the service knows that receipt: one applied to another payment is refused (409
 * RECEIPT_ALREADY_USED, which also keeps the payments' unique receipt column from firing); one
 * waiting for a person (unmatched, review, refund-due) or dismissed becomes applied to this payment,
 * recorded with the admin's role and reason; one refunded is refused (the money went back).
 * A receipt the payment held before, replaced here, goes back to review. Call with the payment
 * and its referral locked (the order every writer of receipts takes).
 */
export async function applyReceiptByAdmin(
  manager: EntityManager,
  input: { receipt: string; paymentId: string; referralId: string; previousReceipt: string | null; role: string; reason: string },
): Promise<void> {
  const [row]: { state: ReceiptState; payment_id: string | null }[] = await manager.query('SELECT state, payment_id FROM receipts WHERE receipt = $1 FOR UPDATE', [input.receipt]);
  if (row?.state === 'applied' && row.payment_id !== input.paymentId) {
    throw new DomainError('RECEIPT_ALREADY_USED', `Receipt ${input.receipt} already pays payment ${row.payment_id}`, { paymentId: row.payment_id });
  }
  if (row && (row.state === 'refunded' || row.state === 'refund-failed')) {
    throw new DomainError('RECEIPT_NOT_RESOLVABLE', `Receipt ${input.receipt} is ${row.state}: it cannot pay a payment`, { receipt: input.receipt, state: row.state });
  }
  if (input.previousReceipt && input.previousReceipt !== input.receipt) {
    // The partial unique index keeps one applied receipt per payment: the one replaced waits for a person.
    const [old]: { state: ReceiptState }[] = await manager.query(
      `UPDATE receipts SET state = 'review', reason = $2, updated_at = now() WHERE receipt = $1 AND state = 'applied' AND payment_id = $3 RETURNING state`,
      [input.previousReceipt, `replaced on payment ${input.paymentId} by an admin (${input.role}): ${input.reason}`, input.paymentId],
    );
    if (old) {
      await recordReceiptEvent(manager, {
        receipt: input.previousReceipt,
        type: 'replaced',
        fromState: 'applied',
        toState: 'review',
        source: 'admin',
        detail: { paymentId: input.paymentId, replacedBy: input.receipt, role: input.role, reason: input.reason },
      });
    }
  }
  if (!row || row.state === 'applied') return;
  await manager.query(
    `UPDATE receipts SET state = 'applied', payment_id = $2, referral_id = $3, reason = $4, resolved_by = $5, resolved_at = now(), updated_at = now() WHERE receipt = $1`,
    [input.receipt, input.paymentId, input.referralId, input.reason, input.role],
  );
  await recordReceiptEvent(manager, {
    receipt: input.receipt,
    type: 'applied-by-admin',
    fromState: row.state,
    toState: 'applied',
    source: 'admin',
    detail: { paymentId: input.paymentId, role: input.role, reason: input.reason, via: 'update-payment-status' },
  });
}

export const isResolvable = (state: ReceiptState) => RESOLVABLE_STATES.includes(state);
