// Writes the receipts that judged callbacks bring, in the transaction that closes the callbacks:
// one statement for a whole batch (insert or move each receipt, and write an event for each one
// that changed), since the callback path is the hot path.
import type { EntityManager } from 'typeorm';
import { CALLBACK_MAY_APPLY_FROM, CALLBACK_MAY_JUDGE_FROM, ReceiptState } from './receipt-state';

/** What one judged success callback says its receipt now is. */
export interface ReceiptVerdict {
  receipt: string;
  amount: number;
  phoneNumber: string | null;
  checkoutRequestId: string;
  paidAt: string | null;
  state: Exclude<ReceiptState, 'refunded' | 'refund-failed'>;
  reason: string | null;
  /** applied: the payment it paid; review, refund-due: the payment whose CheckoutRequestID it carries */
  paymentId: string | null;
  referralId: string | null;
  callbackId: string;
}

/** A receipt this batch recorded or moved. */
export interface ReceiptChange {
  receipt: string;
  fromState: ReceiptState | null;
  toState: ReceiptState;
}

/**
 * Several verdicts on one receipt number in one batch (the same money delivered twice): one row
 * can take one change per statement, so the batch's last word is kept, except that nothing after
 * an applied verdict takes the receipt off its payment.
 */
export function mergeVerdicts(verdicts: readonly ReceiptVerdict[]): ReceiptVerdict[] {
  const byReceipt = new Map<string, ReceiptVerdict>();
  for (const verdict of verdicts) {
    const known = byReceipt.get(verdict.receipt);
    if (known?.state === 'applied' && verdict.state !== 'applied') continue;
    byReceipt.set(verdict.receipt, verdict);
  }
  return [...byReceipt.values()];
}

/**
 * Inserts the receipts not seen before and moves the ones whose state the rules let a callback
 * change (receipt-state.ts); every insert or move writes one receipt_events row. Returns what
 * changed: a receipt judged the same way again changes nothing and writes nothing.
 */
export async function recordReceipts(manager: EntityManager, verdicts: readonly ReceiptVerdict[]): Promise<ReceiptChange[]> {
  const rows = mergeVerdicts(verdicts);
  if (rows.length === 0) return [];
  // Locked first, in key order (two batches cannot deadlock; an admin resolving one waits, or is
  // waited for), so that the statement below reads the states it changes from.
  await manager.query('SELECT 1 FROM receipts WHERE receipt = ANY($1::text[]) ORDER BY receipt FOR UPDATE', [rows.map((r) => r.receipt)]);
  const changes: { receipt: string; from_state: ReceiptState | null; to_state: ReceiptState }[] = await manager.query(
    `WITH v AS (
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::uuid[])
         AS v(receipt, amount, phone_number, checkout_request_id, paid_at, state, reason, payment_id, referral_id, callback_id)
     ), before AS (
       -- The states before this statement: the rows are locked already, so nothing moved them since its snapshot.
       SELECT r.receipt, r.state FROM receipts r JOIN v ON v.receipt = r.receipt
     ), up AS (
       INSERT INTO receipts AS r (receipt, amount, phone_number, checkout_request_id, paid_at, source, payment_id, referral_id, state, reason, created_at, updated_at)
       SELECT receipt, amount, phone_number, checkout_request_id, paid_at, 'callback', payment_id, referral_id, state, reason, now(), now() FROM v
       ON CONFLICT (receipt) DO UPDATE
          SET state = EXCLUDED.state, reason = EXCLUDED.reason,
              payment_id = EXCLUDED.payment_id, referral_id = EXCLUDED.referral_id,
              phone_number = COALESCE(r.phone_number, EXCLUDED.phone_number),
              checkout_request_id = COALESCE(r.checkout_request_id, EXCLUDED.checkout_request_id),
              paid_at = COALESCE(r.paid_at, EXCLUDED.paid_at),
              updated_at = now()
        WHERE r.state <> EXCLUDED.state
          AND (r.state = ANY($11::text[]) AND EXCLUDED.state = 'applied' OR r.state = ANY($12::text[]))
       RETURNING r.receipt, r.state
     ), events AS (
       INSERT INTO receipt_events (receipt, type, from_state, to_state, source, detail)
       SELECT up.receipt, CASE WHEN before.state IS NULL THEN 'recorded' ELSE 'state-changed' END, before.state, up.state, 'callback',
              jsonb_strip_nulls(jsonb_build_object('callbackId', v.callback_id, 'paymentId', v.payment_id, 'reason', v.reason))
         FROM up JOIN v ON v.receipt = up.receipt LEFT JOIN before ON before.receipt = up.receipt
       RETURNING receipt, from_state, to_state
     )
     SELECT receipt, from_state, to_state FROM events`,
    [
      rows.map((r) => r.receipt),
      rows.map((r) => r.amount),
      rows.map((r) => r.phoneNumber),
      rows.map((r) => r.checkoutRequestId),
      rows.map((r) => r.paidAt),
      rows.map((r) => r.state),
      rows.map((r) => r.reason),
      rows.map((r) => r.paymentId),
      rows.map((r) => r.referralId),
      rows.map((r) => r.callbackId),
      CALLBACK_MAY_APPLY_FROM,
      CALLBACK_MAY_JUDGE_FROM,
    ],
  );
  return changes.map((c) => ({ receipt: c.receipt, fromState: c.from_state, toState: c.to_state }));
}
