// The payment writes that evidence makes besides a status change (PaymentSettlementService owns
// those): a lost push answer's CheckoutRequestID learnt from its callback, a status query asked
// for at once when a callback is doubted, and a receipt given to a payment completed without one.
// Plain functions over the caller's transaction, so that the callback batch and an admin's receipt
// resolution write the payments table only through this layer. Each is guarded in its WHERE clause
// and returns what it changed, so a caller that lost a race never writes over another's change.
import type { EntityManager } from 'typeorm';
import { PaymentEventInput, recordPaymentEvents } from '../payment-events';

/** TypeORM answers an UPDATE … RETURNING with [rows, count]. */
type Updated = [{ id: string }[], number];

/**
 * A pending payment whose push answer was lost learns the CheckoutRequestID its callback carries
 * (the callback was matched to it by phone and amount). Only once: false when it already holds one.
 */
export async function learnCheckoutRequestId(manager: EntityManager, paymentId: string, checkoutRequestId: string, merchantRequestId: string | null): Promise<boolean> {
  const [rows]: Updated = await manager.query(
    `UPDATE payments SET stk_request_id = $2, merchant_request_id = COALESCE($3, merchant_request_id), updated_at = now()
      WHERE id = $1 AND status = 'pending' AND stk_request_id IS NULL RETURNING id`,
    [paymentId, checkoutRequestId, merchantRequestId],
  );
  return rows.length === 1;
}

/** A callback the evidence table doubts: the status query (which cannot be forged) is due now. */
export async function queryNow(manager: EntityManager, paymentId: string): Promise<void> {
  await manager.query(`UPDATE payments SET next_query_at = now(), updated_at = now() WHERE id = $1 AND status = 'pending'`, [paymentId]);
}

export interface ReceiptAddition {
  paymentId: string;
  referralId: string;
  receipt: string;
  /** the `receipt-added` history row's source, role and detail */
  event: Pick<PaymentEventInput, 'source' | 'actorRole' | 'detail'>;
}

/**
 * Completed payments without a receipt get the one a callback (or an admin) brought, in one
 * statement, each with its `receipt-added` history row. The unique index on mpesa_transaction_id
 * still refuses a receipt another transaction gave meanwhile. Returns the payments that took it.
 */
export async function addReceipts(manager: EntityManager, additions: readonly ReceiptAddition[]): Promise<string[]> {
  if (additions.length === 0) return [];
  const [rows]: Updated = await manager.query(
    `UPDATE payments p SET mpesa_transaction_id = v.receipt, updated_at = now()
       FROM unnest($1::uuid[], $2::varchar[]) AS v(id, receipt)
      WHERE p.id = v.id AND p.status = 'completed' AND p.mpesa_transaction_id IS NULL
      RETURNING p.id`,
    [additions.map((a) => a.paymentId), additions.map((a) => a.receipt)],
  );
  const took = new Set(rows.map((r) => r.id));
  await recordPaymentEvents(
    manager,
    additions
      .filter((a) => took.has(a.paymentId))
      .map((a) => ({ paymentId: a.paymentId, referralId: a.referralId, type: 'receipt-added', ...a.event, detail: { receipt: a.receipt, ...a.event.detail } })),
  );
  return [...took];
}
