// Records the receipts a statement import found (source `statement`) in the receipts table of
// CONTRACT.md "Receipts": one row per receipt number, inserted only when the number is new, so a
// receipt a callback or an earlier import recorded keeps what it has, and importing a statement
// again records nothing. Each inserted receipt gets its `recorded` event, naming the report.
import type { EntityManager } from 'typeorm';
import type { StatementReceipt } from './statement-comparison';

export async function recordStatementReceipts(manager: EntityManager, reportId: string, receipts: readonly StatementReceipt[]): Promise<string[]> {
  if (receipts.length === 0) return [];
  // Key order: two imports sharing receipts take the rows' locks in the same order.
  const rows = [...receipts].sort((a, b) => (a.receipt < b.receipt ? -1 : a.receipt > b.receipt ? 1 : 0));
  const inserted: { receipt: string }[] = await manager.query(
    `WITH v AS (
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::uuid[])
         AS v(receipt, amount, phone_number, paid_at, state, reason, payment_id, referral_id)
     ), ins AS (
       -- No conflict target: a receipt number already known, or a second applied receipt for one
       -- payment (the one-applied-per-payment index), both leave the row as it is.
       INSERT INTO receipts (receipt, amount, phone_number, checkout_request_id, paid_at, source, payment_id, referral_id, state, reason, created_at, updated_at)
       SELECT receipt, amount, phone_number, NULL, paid_at, 'statement', payment_id, referral_id, state, reason, now(), now() FROM v
       ON CONFLICT DO NOTHING
       RETURNING receipt, state
     )
     INSERT INTO receipt_events (receipt, type, from_state, to_state, source, detail)
     SELECT ins.receipt, 'recorded', NULL, ins.state, 'statement', jsonb_build_object('reportId', $9::text)
       FROM ins
     RETURNING receipt`,
    [
      rows.map((r) => r.receipt),
      rows.map((r) => r.amount),
      rows.map((r) => r.phoneNumber),
      rows.map((r) => r.paidAt),
      rows.map((r) => r.state),
      rows.map((r) => r.reason),
      rows.map((r) => r.paymentId),
      rows.map((r) => r.referralId),
      reportId,
    ],
  );
  return inserted.map((r) => r.receipt);
}
