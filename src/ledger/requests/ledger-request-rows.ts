// The one INSERT of a ledger_requests row, a plain function so that whoever decides an ask is owed
// (an admin's verify or refund, the callback path before a status correction) writes it in its own
// transaction, next to the change that makes it owed. The send job and the sweep do the rest.
import type { EntityManager } from 'typeorm';

export type LedgerRequestKind = 'transaction-status' | 'reversal';
export type LedgerRequestPurpose = 'verify' | 'refund' | 'refund-check';

export interface LedgerRequestInsert {
  kind: LedgerRequestKind;
  purpose: LedgerRequestPurpose;
  receipt: string;
  amount?: number;
  /** the role of the key that asked, or `callback` when the evidence rules asked */
  requestedBy?: string | null;
  note?: string;
  delayS?: number;
  attempts?: number;
}

/** Writes a queued request; returns its id. */
export async function insertLedgerRequest(manager: EntityManager, r: LedgerRequestInsert): Promise<string> {
  const [row]: { id: string }[] = await manager.query(
    `INSERT INTO ledger_requests (kind, purpose, receipt, amount, requested_by, note, attempts, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, left($6, 500), $7, now() + make_interval(secs => $8)) RETURNING id`,
    [r.kind, r.purpose, r.receipt, r.amount ?? null, r.requestedBy ?? null, r.note ?? null, r.attempts ?? 0, r.delayS ?? 0],
  );
  return row.id;
}
