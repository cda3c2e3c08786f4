import { MigrationInterface, QueryRunner } from 'typeorm';
import { parseStkCallback } from '../../mpesa/stk-callback.parser';

/**
 * Receipts (issue 13, CONTRACT.md "Receipts"): every M-Pesa receipt number the service has heard
 * of, one row per number, with what became of it, and its history. Until now a receipt that paid
 * no payment lived only as a callback row (unmatched, review, dismissed, a note `refund-due: …`);
 * the backfill turns each judged success callback into its Receipt (backfillReceipts below), so no
 * shilling seen before this migration is missing from GET /api/receipts.
 *
 * - `paid_at` is TransactionDate as Daraja sent it (text): an odd value is kept, never refused.
 * - `phone_number` null when Daraja masked or left out the paying phone.
 * - One applied receipt per payment (partial unique index), and a receipt number is the key, so a
 *   receipt can never pay two payments.
 * - `seq` orders the list, as every list of this service is ordered (created_at, then insertion).
 */
export class Receipts1796167200000 implements MigrationInterface {
  name = 'Receipts1796167200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE receipts (
        receipt text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        amount integer NOT NULL CHECK (amount >= 0),
        phone_number text,
        checkout_request_id text,
        paid_at text,
        source text NOT NULL CHECK (source IN ('callback', 'ledger', 'statement')),
        payment_id uuid REFERENCES payments(id),
        referral_id uuid REFERENCES referrals(id),
        state text NOT NULL CHECK (state IN ('applied', 'unmatched', 'review', 'refund-due', 'refunded', 'refund-failed', 'dismissed')),
        reason text,
        resolved_by text,
        resolved_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (state <> 'applied' OR payment_id IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX receipts_one_applied_per_payment ON receipts (payment_id) WHERE state = 'applied'`);
    await queryRunner.query(`CREATE INDEX receipts_created_idx ON receipts (created_at DESC, seq DESC)`);
    await queryRunner.query(`CREATE INDEX receipts_state_created_idx ON receipts (state, created_at DESC, seq DESC)`);
    await queryRunner.query(`CREATE INDEX receipts_phone_created_idx ON receipts (phone_number, created_at DESC, seq DESC)`);
    // RECEIPT_UNDER_REVIEW: is money of this phone and amount waiting for a person? Asked on every new payment.
    await queryRunner.query(`CREATE INDEX receipts_open_phone_amount_idx ON receipts (phone_number, amount) WHERE state IN ('unmatched', 'review')`);
    await queryRunner.query(`
      CREATE TABLE receipt_events (
        id bigserial PRIMARY KEY,
        receipt text NOT NULL REFERENCES receipts(receipt),
        at timestamptz NOT NULL DEFAULT now(),
        type text NOT NULL,
        from_state text,
        to_state text,
        source text NOT NULL CHECK (source IN ('callback', 'admin', 'migration', 'ledger', 'statement', 'api')),
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await queryRunner.query(`CREATE INDEX receipt_events_receipt_idx ON receipt_events (receipt, id)`);
    await backfillReceipts(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE receipt_events`);
    await queryRunner.query(`DROP TABLE receipts`);
  }
}

/** What the backfill reads of one callback row. */
export interface StoredCallback {
  id: string;
  state: string;
  note: string | null;
  confirmation: string | null;
  payment_id: string | null;
  raw_body: string;
  received_at: Date;
}

export interface BackfilledReceipt {
  receipt: string;
  amount: number;
  phoneNumber: string | null;
  checkoutRequestId: string;
  paidAt: string | null;
  state: 'applied' | 'unmatched' | 'review' | 'refund-due' | 'dismissed';
  reason: string | null;
  paymentId: string | null;
  callbackId: string;
  createdAt: Date;
}

/** Which of two verdicts on one receipt number wins: a payment holding it first, then the strongest claim on a person. */
const STRENGTH: Record<BackfilledReceipt['state'], number> = { applied: 5, 'refund-due': 4, review: 3, dismissed: 2, unmatched: 1 };

/**
 * The Receipt a stored callback stands for, as the callback path now records one (CallbackBatch):
 * null for a failure, a success without a receipt number, or one not judged with a final verdict yet
 * (received, waiting for a push's answer or for an STK Push Query: the callback path records it when
 * it is). `holder` is the payment whose mpesa_transaction_id is this receipt, if any.
 */
export function receiptFromCallback(row: StoredCallback, holder: { id: string } | null): BackfilledReceipt | null {
  let parsed;
  try {
    parsed = parseStkCallback(row.raw_body);
  } catch {
    return null; // invalid: never a receipt
  }
  if (parsed.resultCode !== '0' || !parsed.mpesaReceiptNumber) return null;
  const base = {
    receipt: parsed.mpesaReceiptNumber,
    // A success without an amount cannot be a receipt's row (amount is required); it stays on its callback.
    amount: parsed.amount === null ? -1 : Math.round(parsed.amount),
    phoneNumber: parsed.phoneNumber,
    checkoutRequestId: parsed.checkoutRequestId,
    paidAt: parsed.transactionDate,
    callbackId: row.id,
    createdAt: row.received_at,
  };
  if (base.amount < 0) return null;
  if (holder) return { ...base, state: 'applied', reason: null, paymentId: holder.id };
  const note = row.note;
  switch (row.state) {
    case 'review':
      if (note?.startsWith('refund-due:')) return { ...base, state: 'refund-due', reason: note, paymentId: row.payment_id };
      return { ...base, state: 'review', reason: note, paymentId: row.payment_id };
    case 'dismissed':
      return { ...base, state: 'dismissed', reason: note, paymentId: null };
    case 'unmatched':
      // Still waiting for an answer or a confirmation: the callback row holds it until judged.
      if (row.confirmation !== 'known' || /^waiting for the answer/.test(note ?? '')) return null;
      return { ...base, state: 'unmatched', reason: note, paymentId: null };
    case 'applied':
    case 'duplicate':
      // Applied once, but no payment holds the receipt now (an admin changed it): money on nothing known.
      return { ...base, state: 'review', reason: 'recorded from a callback applied before receipts existed; no payment holds this receipt now', paymentId: row.payment_id };
    default:
      return null; // received, invalid, set-aside: not judged
  }
}

/** Of several callbacks with one receipt number, the verdict that wins (the earliest seen sets createdAt). */
export function strongerReceipt(a: BackfilledReceipt, b: BackfilledReceipt): BackfilledReceipt {
  const winner = STRENGTH[b.state] > STRENGTH[a.state] ? b : a;
  return { ...winner, createdAt: a.createdAt < b.createdAt ? a.createdAt : b.createdAt };
}

const BACKFILL_PAGE = 1000;

/**
 * Receipts from the success callbacks stored before this migration, parsed here (the parser is the
 * one the callback path uses) a page at a time, written a page at a time: one row and one
 * `recorded` event (source migration) per receipt number.
 */
export async function backfillReceipts(queryRunner: QueryRunner): Promise<number> {
  const found = new Map<string, BackfilledReceipt>();
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: StoredCallback[] = await queryRunner.query(
      `SELECT id, state, note, confirmation, payment_id, raw_body, received_at FROM mpesa_callbacks
        WHERE id > $1 AND state NOT IN ('received', 'invalid', 'set-aside') ORDER BY id LIMIT $2`,
      [after, BACKFILL_PAGE],
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    const receipts = rows.map((row) => {
      try {
        const parsed = parseStkCallback(row.raw_body);
        return parsed.resultCode === '0' ? parsed.mpesaReceiptNumber : null;
      } catch {
        return null;
      }
    });
    const holders: { id: string; referral_id: string; mpesa_transaction_id: string }[] = await queryRunner.query(
      'SELECT id, referral_id, mpesa_transaction_id FROM payments WHERE mpesa_transaction_id = ANY($1::varchar[])',
      [receipts.filter((r): r is string => !!r)],
    );
    const byReceipt = new Map(holders.map((h) => [h.mpesa_transaction_id, h]));
    rows.forEach((row, i) => {
      const receipt = receipts[i];
      if (!receipt) return;
      const judged = receiptFromCallback(row, byReceipt.get(receipt) ?? null);
      if (!judged) return;
      const known = found.get(judged.receipt);
      found.set(judged.receipt, known ? strongerReceipt(known, judged) : judged);
    });
  }
  const all = [...found.values()];
  for (let i = 0; i < all.length; i += BACKFILL_PAGE) {
    const page = all.slice(i, i + BACKFILL_PAGE);
    await queryRunner.query(
      `WITH v AS (
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::timestamptz[], $10::uuid[])
           AS v(receipt, amount, phone_number, checkout_request_id, paid_at, state, reason, payment_id, created_at, callback_id)
       ), ins AS (
         INSERT INTO receipts (receipt, amount, phone_number, checkout_request_id, paid_at, source, payment_id, referral_id, state, reason, created_at, updated_at)
         SELECT v.receipt, v.amount, v.phone_number, v.checkout_request_id, v.paid_at, 'callback', p.id, p.referral_id, v.state, v.reason, v.created_at, now()
           FROM v LEFT JOIN payments p ON p.id = v.payment_id
         RETURNING receipt, state
       )
       INSERT INTO receipt_events (receipt, type, from_state, to_state, source, detail)
       SELECT ins.receipt, 'recorded', NULL, ins.state, 'migration', jsonb_build_object('callbackId', v.callback_id, 'backfill', true)
         FROM ins JOIN v ON v.receipt = ins.receipt`,
      [
        page.map((r) => r.receipt),
        page.map((r) => r.amount),
        page.map((r) => r.phoneNumber),
        page.map((r) => r.checkoutRequestId),
        page.map((r) => r.paidAt),
        page.map((r) => r.state),
        page.map((r) => r.reason),
        page.map((r) => r.paymentId),
        page.map((r) => r.createdAt),
        page.map((r) => r.callbackId),
      ],
    );
  }
  return all.length;
}
