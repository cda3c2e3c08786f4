// The persistence layer of the push path: every write of a payment's push and query bookkeeping is
// a named transition here, guarded by the push-state table (push-state.machine.ts), writing its
// history row in the same statement, and answering what it changed. The hot ones are one
// autocommitted statement each, prepared once per connection (pg's named statements); their
// after-commit events go to the bus once the statement has answered. Status changes go through
// PaymentSettlementService, the one path to a final state.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AfterCommitBus, CommittedEvent } from '../../events/after-commit.bus';
import type { StkQueryResult } from '../../mpesa/daraja.types';
import { PROMPT_LIFETIME_MS } from '../evidence';
import { recordPaymentEvents, PaymentEventInput } from '../payment-events';
import { Payment } from '../payment.entity';
import { PaymentSettlementService, SettleResult, Settlement } from './payment-settlement.service';
import type { PaymentStatus, PushState } from '../payment-status';
import { decidePushAnswer, PushAnswerDecision } from '../push-answer';
import { decideQueryAnswer, QueryDecision, QuerySchedule, QueryVerdict } from '../processors/query-answer';
import { expiryMessage } from '../processors/reconcile-schedule';
import { OPEN_CALLBACK_STATES_SQL } from './callback-state.machine';
import { CallbackStore } from './callback-store';
import { checkPush, pushGuardSql, pushTarget } from './push-state.machine';

/** What the push worker needs of a payment it sends. */
export interface PushTarget {
  id: string;
  referralId: string;
  phoneNumber: string;
  amount: number;
  accountReference: string;
  attempts: number;
  status: PaymentStatus;
  pushState: PushState;
  stkRequestId: string | null;
}

/** What decidePushAnswer needs: the payment, who else holds the id, whether a callback waits for it. */
interface AcceptSnapshot {
  status: PaymentStatus;
  pushState: PushState;
  stkRequestId: string | null;
  referralId: string;
  holder: string | null;
  waiting: boolean;
}

export type ClaimResult = { claimed: true; payment: PushTarget } | { claimed: false; payment: PushTarget | null };

/** What storing Daraja's "accepted" did: the decision (push-answer.ts), or `gone` for a vanished payment. */
export type AcceptResult = PushAnswerDecision | { kind: 'gone' };

/** A payment leased for one status query. */
export interface LeasedPayment {
  id: string;
  stkRequestId: string;
}

export interface QueryAnswer {
  claim: LeasedPayment;
  answer: StkQueryResult;
}

export interface QueryAnswerResult {
  verdict: QueryVerdict;
  /** set when a final answer contradicts the payment's final status (logged by the caller) */
  disagreement?: { resultCode: string; status: PaymentStatus };
}

/** A statement prepared under its name on each pooled connection (runNamedStatement). */
export interface NamedStatement {
  name: string;
  text: string;
}

const TARGET_COLUMNS = `id, referral_id AS "referralId", phone_number AS "phoneNumber", amount, account_reference AS "accountReference",
  attempts, status, push_state AS "pushState", stk_request_id AS "stkRequestId"`;
const WAITING_CALLBACK = `EXISTS (SELECT 1 FROM mpesa_callbacks c WHERE c.checkout_request_id = $2 AND c.state IN (${OPEN_CALLBACK_STATES_SQL}))`;

/** Claim, and the payment as it stands when the claim is refused: one round trip either way. */
export const CLAIM: NamedStatement = {
  name: 'payments.push.claim',
  text: `WITH claimed AS (
      UPDATE payments SET push_state = '${pushTarget('claim')}', attempts = attempts + 1, push_sent_at = now(), updated_at = now()
       WHERE id = $1 AND ${pushGuardSql('claim')}
       RETURNING ${TARGET_COLUMNS})
    SELECT true AS claimed, claimed.* FROM claimed
    UNION ALL
    SELECT false, ${TARGET_COLUMNS} FROM payments WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`,
};

/** What decidePushAnswer needs: the payment, who else holds the id, whether a callback waits for it. */
const ACCEPT_READ: NamedStatement = {
  name: 'payments.push.accept-read',
  text: `SELECT p.status, p.push_state AS "pushState", p.stk_request_id AS "stkRequestId", p.referral_id AS "referralId",
      (SELECT h.id FROM payments h WHERE h.stk_request_id = $2 AND h.id <> $1 LIMIT 1) AS holder,
      ${WAITING_CALLBACK} AS waiting
    FROM payments p WHERE p.id = $1`,
};

/**
 * Stores the ids, only if the payment is still as read (a conditional update, re-checked under the
 * row lock): with its history row, the referral's count of accepted pushes (a referrals column,
 * written here to keep the hot path one statement), and whether a callback waits for the answer.
 */
export const ACCEPT_STORE: NamedStatement = {
  name: 'payments.push.accept-store',
  text: `WITH u AS (
      UPDATE payments SET push_state = '${pushTarget('accept')}', stk_request_id = $2, merchant_request_id = $3,
             next_query_at = CASE WHEN $4::boolean THEN $5::timestamptz ELSE next_query_at END, updated_at = now()
       WHERE id = $1 AND status = $6 AND push_state = $7 AND stk_request_id IS NOT DISTINCT FROM $8::text
         AND NOT EXISTS (SELECT 1 FROM payments h WHERE h.stk_request_id = $2 AND h.id <> $1)
       RETURNING id, referral_id),
    e AS (INSERT INTO payment_events (payment_id, type, source, detail) SELECT id, 'push-accepted', 'worker', $9::jsonb FROM u),
    r AS (UPDATE referrals SET stk_sent_count = stk_sent_count + 1, updated_at = now() WHERE $10::boolean AND id = (SELECT referral_id FROM u))
    SELECT (SELECT referral_id FROM u) AS "referralId", ${WAITING_CALLBACK} AS waiting`,
};

/** An answer that contradicts the stored ids: recorded, and the push is as good as unanswered. */
const ACCEPT_CONFLICT: NamedStatement = {
  name: 'payments.push.accept-conflict',
  text: `WITH u AS (
      UPDATE payments SET push_state = '${pushTarget('markIndeterminate')}', updated_at = now() WHERE id = $1 AND ${pushGuardSql('markIndeterminate')})
    INSERT INTO payment_events (payment_id, type, source, detail) VALUES ($1, 'push-answer-conflict', 'worker', $2::jsonb)`,
};

/** A single-payment push move of the worker with its history row; answers the referral when it moved. */
function moveStatement(transition: 'markIndeterminate' | 'requeue', eventType: string): NamedStatement {
  return {
    name: `payments.push.${transition}`,
    text: `WITH u AS (
        UPDATE payments SET push_state = '${pushTarget(transition)}', updated_at = now() WHERE id = $1 AND ${pushGuardSql(transition)}
        RETURNING id, referral_id),
      e AS (INSERT INTO payment_events (payment_id, type, source, detail) SELECT id, '${eventType}', 'worker', $2::jsonb FROM u)
      SELECT referral_id AS "referralId" FROM u`,
  };
}
const MARK_INDETERMINATE = moveStatement('markIndeterminate', 'push-indeterminate');
const REQUEUE = moveStatement('requeue', 'push-retry');

@Injectable()
export class PaymentTransitions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    private readonly settlement: PaymentSettlementService,
    private readonly callbacks: CallbackStore,
  ) {}

  // ---- the push worker ----

  /** queued → sending, attempts + 1; when refused, the payment as it stands (null: no such payment). */
  async claim(paymentId: string): Promise<ClaimResult> {
    const [row] = await this.run<PushTarget & { claimed: boolean }>(CLAIM, [paymentId]);
    if (!row) return { claimed: false, payment: null };
    const { claimed, ...payment } = row;
    return claimed ? { claimed: true, payment } : { claimed: false, payment };
  }

  /**
   * Stores Daraja's "accepted" (decidePushAnswer says what it does). First as the claim left the
   * payment, in one conditional write (re-checked under the row lock, and refused if another
   * payment holds the id); if the payment changed since, it is read and decided again. Callbacks
   * that waited for this answer are applied once it is stored; one that arrives while the write
   * runs is judged unmatched, and matched by the next sweep (applyOpenCallbacks).
   */
  async accept(claimed: PushTarget, ids: { merchantRequestId: string; checkoutRequestId: string }, firstQueryAt: Date): Promise<AcceptResult> {
    const { checkoutRequestId, merchantRequestId } = ids;
    let current: AcceptSnapshot | undefined = { ...claimed, holder: null, waiting: false };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) [current] = await this.run<AcceptSnapshot>(ACCEPT_READ, [claimed.id, checkoutRequestId]);
      if (!current) return { kind: 'gone' };
      const decided = decidePushAnswer(current, checkoutRequestId, current.holder);
      // Known or conflicting as the claim saw it: read what stands now before recording that.
      if (attempt === 0 && decided.kind !== 'store') continue;
      const detail = { attempt: claimed.attempts, checkoutRequestId, merchantRequestId, pushStateBefore: current.pushState };
      const announce: CommittedEvent[] = current.waiting ? [{ topic: 'push-answer-stored', event: { checkoutRequestId } }] : [];
      if (decided.kind === 'known') {
        await this.bus.committed(announce);
        return decided;
      }
      if (decided.kind === 'conflict') {
        await this.run(ACCEPT_CONFLICT, [claimed.id, JSON.stringify({ ...detail, note: decided.reason })]);
        await this.bus.committed([...announce, changed(claimed.id, current.referralId, 'push-answer-conflict')]);
        return decided;
      }
      if (!checkPush('accept', current.status, current.pushState).allowed) throw new Error(`payment ${claimed.id}: accept refused from ${current.status}/${current.pushState}`);
      const [stored] = await this.run<{ referralId: string | null; waiting: boolean }>(ACCEPT_STORE, [
        claimed.id,
        checkoutRequestId,
        merchantRequestId,
        decided.scheduleQuery,
        firstQueryAt,
        current.status,
        current.pushState,
        current.stkRequestId,
        JSON.stringify(detail),
        decided.countAccepted,
      ]);
      if (stored.referralId !== null) {
        await this.bus.committed([
          ...(stored.waiting ? [{ topic: 'push-answer-stored' as const, event: { checkoutRequestId } }] : []),
          changed(claimed.id, stored.referralId, 'push-accepted'),
        ]);
        return decided;
      }
      // Changed since it was read (a callback, the sweeper, an admin, a holder of the id): decided again.
    }
    throw new Error(`payment ${claimed.id} kept changing while its push answer was stored`);
  }

  /**
   * sending → indeterminate: the prompt may be out, never resent. Its callback may be here already
   * under an id we never learnt, so matching by phone and amount is asked for (moved or not, as before).
   */
  async markIndeterminate(paymentId: string, detail: Record<string, unknown>): Promise<boolean> {
    const rows = await this.run<{ referralId: string }>(MARK_INDETERMINATE, [paymentId, JSON.stringify(detail)]);
    await this.bus.committed([{ topic: 'push-answer-lost', event: { paymentId } }, ...rows.map((r) => changed(paymentId, r.referralId, 'push-indeterminate'))]);
    return rows.length > 0;
  }

  /** sending → queued: Daraja refused it for now; the job's next attempt sends it again. */
  async requeue(paymentId: string, detail: Record<string, unknown>): Promise<boolean> {
    const rows = await this.run<{ referralId: string }>(REQUEUE, [paymentId, JSON.stringify(detail)]);
    await this.bus.committed(rows.map((r) => changed(paymentId, r.referralId, 'push-retry')));
    return rows.length > 0;
  }

  /** The push will never be accepted: the payment fails (settlement; the push becomes abandoned). */
  async failPush(paymentId: string, errorMessage: string, detail: Record<string, unknown>): Promise<SettleResult> {
    return this.bus.transaction((manager) =>
      this.settlement.settle(manager, paymentId, { status: 'failed', resultCode: null, resultDesc: null, errorMessage }, { source: 'worker', eventType: 'push-failed', detail }),
    );
  }

  // ---- the sweeper ----

  /** Payments whose push is owed (queued) and older than the grace the fast path has. */
  async owedPushes(graceMs: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM payments WHERE ${pushGuardSql('claim')} AND updated_at < now() - ($1::int * interval '1 millisecond') ORDER BY created_at LIMIT $2`,
      [graceMs, limit],
    );
    return rows.map((r) => r.id);
  }

  /** markIndeterminate for every send claimed longer ago than `staleAfterMs` (its worker died): one statement. */
  async markStaleSendsIndeterminate(staleAfterMs: number): Promise<number> {
    const rows: { id: string; referralId: string }[] = await this.dataSource.query(
      `WITH u AS (
          UPDATE payments SET push_state = '${pushTarget('markIndeterminate')}', updated_at = now()
           WHERE ${pushGuardSql('markIndeterminate')} AND updated_at < now() - ($1::int * interval '1 millisecond')
           RETURNING id, referral_id),
        e AS (INSERT INTO payment_events (payment_id, type, source, detail) SELECT id, 'push-indeterminate', 'worker', $2::jsonb FROM u)
        SELECT id, referral_id AS "referralId" FROM u`,
      [staleAfterMs, JSON.stringify({ reason: 'send never finished' })],
    );
    await this.bus.committed(rows.map((r) => changed(r.id, r.referralId, 'push-indeterminate')));
    return rows.length;
  }

  // The sweeper's callback reads and its confirmation bookkeeping: CallbackStore's SQL, kept here
  // under the names the sweeper calls.

  /** Unmatched callbacks whose CheckoutRequestID Daraja must confirm, not asked about for `retryAfterMs`. */
  async callbacksToConfirm(retryAfterMs: number, limit: number): Promise<{ id: string; checkoutRequestId: string }[]> {
    return this.callbacks.toConfirm(retryAfterMs, limit);
  }

  async markConfirmationAsked(callbackId: string): Promise<void> {
    await this.callbacks.markConfirmationAsked(callbackId);
  }

  /** Unmatched callbacks whose payment has since learnt their CheckoutRequestID, and those younger than `windowMs`. */
  async rejudgeableCallbacks(windowMs: number, limit: number): Promise<string[]> {
    return this.callbacks.rejudgeable(windowMs, limit);
  }

  // ---- reconciliation ----

  async now(): Promise<Date> {
    const [{ now }]: { now: Date }[] = await this.dataSource.query('SELECT now() AS now');
    return now;
  }

  /**
   * Leases due payments to this round: their next_query_at moves past the lease, so a concurrent
   * round (another worker) skips them, and a worker that dies mid-query only delays them until the
   * lease ends. SKIP LOCKED lets two leases run side by side without waiting.
   */
  async leaseForQuery(roundStart: Date, leaseMs: number, firstQueryS: number, limit: number): Promise<LeasedPayment[]> {
    // A MATERIALIZED CTE runs the locking SELECT exactly once: as an IN (...) subquery the planner
    // may rescan it, and each rescan with SKIP LOCKED can return further rows, past the LIMIT.
    // TypeORM answers an UPDATE ... RETURNING with [rows, affectedCount].
    const [rows]: [LeasedPayment[], number] = await this.dataSource.query(
      `WITH due AS MATERIALIZED (
         SELECT id FROM payments
          WHERE ${pushGuardSql('leaseForQuery')} AND stk_request_id IS NOT NULL
            AND created_at <= $1::timestamptz - ($3::int * interval '1 second')
            AND (next_query_at IS NULL OR next_query_at <= $1::timestamptz)
          ORDER BY next_query_at, created_at
          LIMIT $4
          FOR UPDATE SKIP LOCKED)
       UPDATE payments p SET next_query_at = now() + ($2::int * interval '1 millisecond')
         FROM due WHERE p.id = due.id
       RETURNING p.id, p.stk_request_id AS "stkRequestId"`,
      [roundStart, leaseMs, firstQueryS, limit],
    );
    return rows;
  }

  /**
   * Applies query answers, many in one transaction: the payments locked once (id order), each
   * answer decided (query-answer.ts), then a fixed handful of statements whatever their number:
   * the query count (`query_count + 1`, written here only) and next query time of all of them,
   * the history rows of those left open or already final, and one settlement of the rest.
   * Results follow `answers`; a payment may appear once per call.
   */
  async recordQueryAnswers(answers: readonly QueryAnswer[], schedule: QuerySchedule): Promise<QueryAnswerResult[]> {
    if (answers.length === 0) return [];
    const ids = answers.map((a) => a.claim.id);
    if (new Set(ids).size !== ids.length) throw new Error('one query answer per payment per call');
    return this.bus.transaction(async (manager) => {
      const locked = await this.lockForQuery(manager, ids, schedule.expiryS);
      const decisions = answers.map(({ claim, answer }) => {
        const payment = locked.get(claim.id);
        return payment ? { claim, answer, payment, decision: decideQueryAnswer(payment, claim.stkRequestId, answer, schedule) } : null;
      });
      const decided = decisions.filter((d): d is NonNullable<typeof d> => d !== null);
      if (decided.length === 0) return answers.map(() => ({ verdict: 'gone' as const }));

      const nextQueryAt = await this.countQueries(manager, decided.map(({ payment, decision }) => ({ id: payment.id, backoffMs: decision.verdict === 'pending' ? decision.backoffMs : null })), schedule.expiryS);
      const events: PaymentEventInput[] = [];
      const settlements: Settlement[] = [];
      for (const { payment, decision } of decided) {
        if (decision.verdict === 'ignored') events.push(queryEvent(payment, decision.event));
        else if (decision.verdict === 'pending') events.push(queryEvent(payment, { ...decision.event, nextQueryAt: nextQueryAt.get(payment.id)!.toISOString() }));
        else settlements.push({ payment, outcome: decision.outcome, options: decision.options });
      }
      await recordPaymentEvents(manager, events);
      await this.settlement.settleManyLocked(manager, settlements);
      return decisions.map((d) => (d ? result(d.payment, d.answer, d.decision) : { verdict: 'gone' as const }));
    });
  }

  /** Pending payments that no query can settle (no CheckoutRequestID), past their expiry, oldest first. */
  async expiryCandidates(roundStart: Date, expiryS: number, limit: number): Promise<{ id: string; pushState: PushState }[]> {
    return this.dataSource.query(
      `SELECT id, push_state AS "pushState" FROM payments
        WHERE ${pushGuardSql('expire')} AND stk_request_id IS NULL
          AND created_at <= $1::timestamptz - ($2::int * interval '1 second')
        ORDER BY created_at LIMIT $3`,
      [roundStart, expiryS, limit],
    );
  }

  /**
   * Fails an expiry candidate, checked again under its lock (a callback may have matched it, a
   * worker may have claimed it). Expiry is only the absence of news: a success callback that may
   * be this push's, still waiting for Daraja to confirm its CheckoutRequestID, is news.
   */
  async expire(paymentId: string, expiryS: number): Promise<boolean> {
    return this.bus.transaction(async (manager) => {
      const payment = await this.settlement.lock(manager, paymentId);
      if (!payment || payment.stkRequestId || !checkPush('expire', payment.status, payment.pushState).allowed) return false;
      // A callback received within the prompt's lifetime after this send, still waiting for its STK Push Query.
      if (payment.pushState === 'indeterminate' && (await this.callbacks.awaitsConfirmation(manager, payment.pushSentAt ?? payment.createdAt, PROMPT_LIFETIME_MS))) return false;
      const cause = payment.pushState === 'queued' ? ({ kind: 'push-never-sent' } as const) : ({ kind: 'push-answer-lost' } as const);
      const settled = await this.settlement.settleLocked(
        manager,
        payment,
        { status: 'failed', resultCode: null, resultDesc: null, errorMessage: expiryMessage(expiryS, cause) },
        { source: 'reconciliation', eventType: 'expired', detail: { expirySeconds: expiryS, pushState: payment.pushState, attempts: payment.attempts } },
      );
      return settled.changed;
    });
  }

  private async lockForQuery(manager: EntityManager, ids: string[], expiryS: number): Promise<Map<string, Payment & { expired: boolean }>> {
    const { entities, raw } = await manager
      .createQueryBuilder(Payment, 'p')
      .addSelect(`p.created_at <= now() - (CAST(:expiryS AS int) * interval '1 second')`, 'expired')
      .where('p.id IN (:...ids)', { ids })
      .setParameter('expiryS', expiryS)
      .orderBy('p.id')
      .setLock('pessimistic_write')
      .getRawAndEntities<{ p_id: string; expired: boolean }>();
    const expired = new Map(raw.map((r) => [r.p_id, r.expired]));
    return new Map(entities.map((p) => [p.id, Object.assign(p, { expired: expired.get(p.id) ?? false })]));
  }

  /** The one `query_count + 1`: every answered payment, with its next query time when it stays open (never past its expiry). */
  private async countQueries(manager: EntityManager, rows: { id: string; backoffMs: number | null }[], expiryS: number): Promise<Map<string, Date>> {
    const [updated]: [{ id: string; next: Date | null }[], number] = await manager.query(
      `UPDATE payments p SET query_count = p.query_count + 1,
              next_query_at = CASE WHEN v.backoff_ms IS NULL THEN p.next_query_at
                                   ELSE LEAST(now() + (v.backoff_ms * interval '1 millisecond'), p.created_at + ($3::int * interval '1 second')) END
         FROM unnest($1::uuid[], $2::int[]) AS v(id, backoff_ms)
        WHERE p.id = v.id
       RETURNING p.id, p.next_query_at AS next`,
      [rows.map((r) => r.id), rows.map((r) => r.backoffMs), expiryS],
    );
    return new Map(updated.filter((r) => r.next !== null).map((r) => [r.id, r.next as Date]));
  }

  private run<R>(statement: NamedStatement, values: unknown[]): Promise<R[]> {
    return runNamedStatement<R>(this.dataSource, statement, values);
  }
}

/**
 * One autocommitted statement, prepared once per pooled connection under its name. The client is
 * checked out by hand, as TypeORM's query runners do, with an 'error' listener for as long as it
 * is out: pool.query listens only once, and a connection that Postgres terminates mid-query can
 * emit twice, which with no listener ends the process.
 */
export async function runNamedStatement<R>(dataSource: DataSource, statement: NamedStatement, values: unknown[]): Promise<R[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken ??= error);
  client.on('error', onError);
  try {
    const result = await client.query({ name: statement.name, text: statement.text, values });
    return result.rows as R[];
  } finally {
    client.removeListener('error', onError);
    // A broken connection is dropped; one that answered an error (a constraint) keeps its prepared statements.
    client.release(broken);
  }
}

function changed(paymentId: string, referralId: string, type: string): CommittedEvent {
  return { topic: 'payment-changed', event: { paymentId, referralId, type, fromStatus: null, toStatus: null, source: 'worker' } };
}

function queryEvent(payment: Payment, detail: Record<string, unknown>): PaymentEventInput {
  return { paymentId: payment.id, referralId: payment.referralId, type: 'status-query', source: 'reconciliation', detail };
}

function result(payment: Payment, answer: StkQueryResult, decision: QueryDecision): QueryAnswerResult {
  if (decision.verdict === 'ignored' && decision.disagrees && answer.kind === 'final') {
    return { verdict: 'ignored', disagreement: { resultCode: answer.resultCode, status: payment.status } };
  }
  return { verdict: decision.verdict };
}
