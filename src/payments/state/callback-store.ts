// The persistence layer of stored callbacks: every write of `mpesa_callbacks` is here, from the
// ingest INSERT on; each write after it is a named transition guarded by the callback table
// (callback-state.machine.ts), and so are the reads of callbacks still open. Services decide;
// this file owns the SQL.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Confirmation } from '../evidence';
import { CallbackState, MpesaCallback } from '../callbacks/mpesa-callback.entity';
import {
  APPLICATION_TRANSITIONS,
  callbackGuardSql,
  callbackMoveSql,
  callbackTarget,
  OPEN_CALLBACK_STATES_SQL,
} from './callback-state.machine';

/** Longest note a callback row keeps. */
export const CALLBACK_NOTE_LENGTH = 500;

/** One verdict of an application, as CallbackBatch.write closes it. */
export interface CallbackVerdictRow {
  id: string;
  state: CallbackState;
  paymentId: string | null;
  note: string | null;
  confirmation: Confirmation | null;
}

/** One callback to store as it arrived, with how many times it came in this batch. */
export interface ReceivedCallbackRow {
  dedupeKey: string;
  checkoutRequestId: string;
  rawBody: string;
  sourceIp: string | null;
  deliveries: number;
}

export interface FailureRecord {
  state: CallbackState;
  applyFailures: number;
}

const VERDICT_MOVES = callbackMoveSql(Object.values(APPLICATION_TRANSITIONS), 'c.state', 'v.state');
const SET_ASIDE = callbackTarget('setAside');

@Injectable()
export class CallbackStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // ---- storing callbacks ----

  /**
   * Stores callbacks as `received`, one row per dedupe key (callers merge a batch's repeats first:
   * ON CONFLICT cannot touch a row twice in one statement); a key stored before counts one more
   * delivery. Answers, per key, the row's id and whether this statement inserted it.
   */
  async insertReceived(rows: readonly ReceivedCallbackRow[]): Promise<Map<string, { id: string; inserted: boolean }>> {
    const stored: { id: string; dedupe_key: string; inserted: boolean }[] = await this.dataSource.query(
      `INSERT INTO mpesa_callbacks (dedupe_key, checkout_request_id, raw_body, source_ip, deliveries)
       SELECT * FROM unnest($1::varchar[], $2::text[], $3::text[], $4::varchar[], $5::int[])
       ON CONFLICT (dedupe_key) DO UPDATE SET deliveries = mpesa_callbacks.deliveries + excluded.deliveries
       RETURNING id, dedupe_key, (xmax = 0) AS inserted`,
      [rows.map((r) => r.dedupeKey), rows.map((r) => r.checkoutRequestId), rows.map((r) => r.rawBody), rows.map((r) => r.sourceIp), rows.map((r) => r.deliveries)],
    );
    return new Map(stored.map((row) => [row.dedupe_key, { id: row.id, inserted: row.inserted }]));
  }

  // ---- applying callbacks ----

  /** Locks the open ones of these callbacks, in arrival order; those another transaction holds are skipped. */
  async lockOpen(manager: EntityManager, callbackIds: readonly string[]): Promise<MpesaCallback[]> {
    return (
      manager
        .createQueryBuilder(MpesaCallback, 'c')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where(`c.id IN (:...ids) AND c.state IN (${OPEN_CALLBACK_STATES_SQL})`, { ids: [...new Set(callbackIds)] })
        // Arrival order, to the microsecond. SKIP LOCKED never waits, so no lock order is needed here.
        .orderBy('c.receivedAt')
        .addOrderBy('c.id')
        .getMany()
    );
  }

  /**
   * Writes an application's verdicts (apply, leaveUnmatched, markDuplicate, holdForReview,
   * markInvalid, dismiss), one statement for any number. The rows are locked by lockOpen in the
   * same transaction, so a row the table refuses is a bug in the caller: thrown, rolling it back.
   */
  async closeVerdicts(manager: EntityManager, rows: readonly CallbackVerdictRow[]): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) if (!(row.state in APPLICATION_TRANSITIONS)) throw new Error(`callback ${row.id}: ${row.state} is not a verdict of an application`);
    const [, updated]: [unknown[], number] = await manager.query(
      `UPDATE mpesa_callbacks c SET state = v.state, payment_id = v.payment_id, note = v.note, processed_at = now(),
              confirmation = COALESCE(v.confirmation, c.confirmation)
         FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::text[], $5::varchar[]) AS v(id, state, payment_id, note, confirmation)
        WHERE c.id = v.id AND ${VERDICT_MOVES}`,
      [rows.map((r) => r.id), rows.map((r) => r.state), rows.map((r) => r.paymentId), rows.map((r) => r.note), rows.map((r) => r.confirmation)],
    );
    if (updated !== new Set(rows.map((r) => r.id)).size) throw new Error(`callback verdicts refused by the state table: ${updated} of ${rows.length} written`);
  }

  /**
   * A failure to apply one callback: countFailure, or setAside when `permanent` or this is the
   * `maxFailures`th (with its reason as the note). Undefined when the callback is no longer open.
   */
  async recordFailure(callbackId: string, message: string, permanent: boolean, maxFailures: number): Promise<FailureRecord | undefined> {
    const [rows]: [{ state: CallbackState; apply_failures: number }[], number] = await this.dataSource.query(
      `UPDATE mpesa_callbacks
          SET apply_failures = apply_failures + 1, last_error = $2,
              state = CASE WHEN $3 OR apply_failures + 1 >= $4 THEN '${SET_ASIDE}' ELSE state END,
              note = CASE WHEN $3 OR apply_failures + 1 >= $4 THEN left('could not be applied: ' || $2, ${CALLBACK_NOTE_LENGTH}) ELSE note END,
              processed_at = CASE WHEN $3 OR apply_failures + 1 >= $4 THEN now() ELSE processed_at END
        WHERE id = $1 AND ${callbackGuardSql('setAside')} AND ${callbackGuardSql('countFailure')}
        RETURNING state, apply_failures`,
      [callbackId, message, permanent, maxFailures],
    );
    const [row] = rows;
    return row ? { state: row.state, applyFailures: row.apply_failures } : undefined;
  }

  // ---- reads of open callbacks ----

  /** Open callbacks carrying this CheckoutRequestID (they waited for a push's answer). */
  async openWithCheckout(checkoutRequestId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(`SELECT id FROM mpesa_callbacks WHERE checkout_request_id = $1 AND state IN (${OPEN_CALLBACK_STATES_SQL})`, [
      checkoutRequestId,
    ]);
    return rows.map((r) => r.id);
  }

  /** Open callbacks that brought this receipt (through its CheckoutRequestID), oldest first. */
  async openWithReceipt(receipt: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT c.id FROM mpesa_callbacks c JOIN receipts r ON r.checkout_request_id = c.checkout_request_id
        WHERE r.receipt = $1 AND c.state IN (${OPEN_CALLBACK_STATES_SQL}) ORDER BY c.received_at`,
      [receipt],
    );
    return rows.map((r) => r.id);
  }

  /** Unmatched callbacks received within `windowMs` after `since`, oldest first. */
  async unmatchedReceivedWithin(since: Date, windowMs: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM mpesa_callbacks
        WHERE state = 'unmatched' AND received_at >= $1::timestamptz AND received_at <= $1::timestamptz + ($2::int * interval '1 millisecond')
        ORDER BY received_at LIMIT $3`,
      [since, windowMs, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Open callbacks of one state older than `olderThanMs` (unmatched ones only within `matchWindowHours`), oldest first. */
  async open(state: 'received' | 'unmatched', olderThanMs: number, matchWindowHours: number, limit: number): Promise<{ id: string }[]> {
    return this.dataSource.query(
      `SELECT id FROM mpesa_callbacks
        WHERE state = $1 AND received_at < now() - ($2::int * interval '1 millisecond')
          AND ($1 = 'received' OR received_at > now() - ($3::int * interval '1 hour'))
        ORDER BY received_at LIMIT $4`,
      [state, olderThanMs, matchWindowHours, limit],
    );
  }

  /** Unmatched callbacks whose CheckoutRequestID Daraja must confirm, not asked about for `retryAfterMs`. */
  async toConfirm(retryAfterMs: number, limit: number): Promise<{ id: string; checkoutRequestId: string }[]> {
    return this.dataSource.query(
      `SELECT id, checkout_request_id AS "checkoutRequestId" FROM mpesa_callbacks
        WHERE state = 'unmatched' AND confirmation = 'needed'
          AND (confirmed_at IS NULL OR confirmed_at < now() - ($1::int * interval '1 millisecond'))
        ORDER BY received_at LIMIT $2`,
      [retryAfterMs, limit],
    );
  }

  /** Not a state write: when Daraja was last asked, so that the next sweep does not ask again at once. */
  async markConfirmationAsked(callbackId: string): Promise<void> {
    await this.dataSource.query(`UPDATE mpesa_callbacks SET confirmed_at = now() WHERE id = $1`, [callbackId]);
  }

  /** Unmatched callbacks whose payment has since learnt their CheckoutRequestID, those younger than `windowMs`, and those whose receipt M-Pesa has since verified. */
  async rejudgeable(windowMs: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT c.id FROM mpesa_callbacks c
        WHERE c.state = 'unmatched' AND c.received_at > now() - interval '48 hours'
          AND (EXISTS (SELECT 1 FROM payments p WHERE p.stk_request_id = c.checkout_request_id)
               OR c.received_at > now() - ($1::int * interval '1 millisecond')
               -- Its receipt's Transaction Status came after it was last judged (it waited for it).
               OR EXISTS (SELECT 1 FROM receipts r WHERE r.checkout_request_id = c.checkout_request_id
                           AND r.verification->>'status' <> 'pending' AND (r.verification->>'at')::timestamptz > c.processed_at))
        ORDER BY c.received_at LIMIT $2`,
      [windowMs, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Whether an unmatched callback received within `windowMs` after `since` still waits for its STK
   * Push Query, or for the Transaction Status of its receipt (a phone-and-amount match waits for both).
   */
  async awaitsConfirmation(manager: EntityManager, since: Date, windowMs: number): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM mpesa_callbacks c
        WHERE c.state = 'unmatched'
          AND (c.confirmation = 'needed'
               OR EXISTS (SELECT 1 FROM receipts r WHERE r.checkout_request_id = c.checkout_request_id AND r.state = 'unmatched' AND r.verification->>'status' = 'pending'))
          AND c.received_at >= $1::timestamptz AND c.received_at <= $1::timestamptz + ($2::int * interval '1 millisecond')
        LIMIT 1`,
      [since, windowMs],
    );
    return rows.length > 0;
  }

  // ---- an admin's receipt resolution ----

  /** Locks the callbacks an admin's resolution of this CheckoutRequestID's receipt may close (the callback path's lock order). */
  async lockForResolution(manager: EntityManager, checkoutRequestId: string): Promise<void> {
    await manager.query(`SELECT id FROM mpesa_callbacks WHERE checkout_request_id = $1 AND ${callbackGuardSql('attachByAdmin')} ORDER BY id FOR UPDATE`, [checkoutRequestId]);
  }

  /**
   * attachByAdmin or dismissByAdmin for the open callbacks of a resolved receipt: the person's
   * decision is final, so they are no longer judged again.
   */
  async closeByResolution(manager: EntityManager, checkoutRequestId: string, transition: 'attachByAdmin' | 'dismissByAdmin', paymentId: string | null, note: string): Promise<void> {
    await manager.query(
      `UPDATE mpesa_callbacks SET state = '${callbackTarget(transition)}', payment_id = $2, note = left($3, ${CALLBACK_NOTE_LENGTH}), processed_at = now()
        WHERE checkout_request_id = $1 AND ${callbackGuardSql(transition)}`,
      [checkoutRequestId, paymentId, note],
    );
  }
}
