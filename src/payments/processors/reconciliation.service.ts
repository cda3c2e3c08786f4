// Reconciliation: asks Daraja (STK Push Query) about pending payments that no callback has settled,
// and fails as expired what nothing settled in time. One run() is one round (the reconcile-sweep job, payment-job.handlers.ts).
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { DataSource, EntityManager } from 'typeorm';
import { RateLimiter, RedisSlotStore } from '../../common/rate-limit';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { DarajaClient } from '../../mpesa/daraja.client';
import { DarajaRequestError } from '../../mpesa/daraja-request.error';
import type { DarajaErrorClass, StkQueryResult } from '../../mpesa/daraja.types';
import { classifyResultCode } from '../../mpesa/result-codes';
import { InjectRedis } from '../../queues/redis-client.provider';
import { recordPaymentEvent } from '../payment-events';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import { PaymentSettlementService } from '../payment-settlement.service';
import { CallbackApplicationService } from '../callbacks/callback-application.service';
import { PROMPT_LIFETIME_MS } from '../evidence';
import { describeFailure } from '../result-description';
import { ExpiryCause, expiryMessage, queryBackoffMs } from './reconcile-schedule';
import { AfterCommitBus } from '../../events/after-commit.bus';

/** Lost or never-sent pushes expired per round; the rest wait for the next round. */
const EXPIRE_BATCH = 500;
/** Most status queries one round makes, whatever the rate: keeps a round bounded. */
const MAX_QUERIES_PER_ROUND = 5000;

export interface ClaimedPayment {
  id: string;
  stkRequestId: string;
}

/** What one query answer did to its payment. */
export type QueryVerdict = 'completed' | 'failed' | 'pending' | 'expired' | 'ignored' | 'gone';

export interface ReconcileReport {
  queried: number;
  completed: number;
  failed: number;
  stillPending: number;
  /** the payment was already final when the answer came (a callback won the race) */
  ignored: number;
  /** queried payments that expired, plus lost and never-sent pushes that expired */
  expired: number;
}

@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);
  private readonly limiter: RateLimiter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    @InjectAppConfig() private readonly config: AppConfig,
    @InjectRedis() redis: Redis,
    private readonly daraja: DarajaClient,
    private readonly settlement: PaymentSettlementService,
    private readonly metrics: PaymentMetrics,
    private readonly callbacks: CallbackApplicationService,
  ) {
    // One key per deployment (prefix): every worker process draws from the same budget.
    this.limiter = new RateLimiter(new RedisSlotStore(redis), `${config.redisKeyPrefix}:rate-limit:stk-query`, config.payments.reconcileQueriesPerSecond);
  }

  async run(): Promise<ReconcileReport> {
    // "Due" is judged against the round's start: a payment answered during this round is never due
    // again before the next one, so each payment is queried at most once per round.
    const [{ now: roundStart }]: { now: Date }[] = await this.dataSource.query('SELECT now() AS now');
    const report: ReconcileReport = { queried: 0, completed: 0, failed: 0, stillPending: 0, ignored: 0, expired: 0 };
    report.expired += await this.expireUnqueryable(roundStart);

    const { reconcileQueriesPerSecond: rate, reconcileIntervalS } = this.config.payments;
    const budget = Math.min(MAX_QUERIES_PER_ROUND, Math.max(1, rate * reconcileIntervalS));
    // Claim about one second of queries at a time, so a claim is queried soon after it is made.
    const chunk = Math.max(1, rate);
    while (report.queried < budget) {
      const claimed = await this.claimDue(roundStart, Math.min(chunk, budget - report.queried));
      if (claimed.length === 0) break;
      report.queried += claimed.length;
      const verdicts = await this.queryAll(claimed);
      for (const verdict of verdicts) {
        this.metrics.reconciliation(verdict);
        if (verdict === 'completed') report.completed++;
        else if (verdict === 'failed') report.failed++;
        else if (verdict === 'pending') report.stillPending++;
        else if (verdict === 'expired') report.expired++;
        else if (verdict === 'ignored') report.ignored++;
      }
    }
    if (report.queried || report.expired) this.logger.log(report, 'Reconciliation round');
    return report;
  }

  /**
   * Atomically leases due payments to this round: their next_query_at moves past the lease, so a
   * concurrent round (another worker) skips them, and a worker that dies mid-query only delays
   * them until the lease ends. SKIP LOCKED lets two claims run side by side without waiting.
   */
  private async claimDue(roundStart: Date, limit: number): Promise<ClaimedPayment[]> {
    const { reconcileFirstQueryS, reconcileQueriesPerSecond } = this.config.payments;
    const leaseMs = Math.ceil((limit / reconcileQueriesPerSecond) * 1000) + 2 * this.config.mpesa.timeoutMs + 30_000;
    // A MATERIALIZED CTE runs the locking SELECT exactly once: as an IN (...) subquery the planner
    // may rescan it, and each rescan with SKIP LOCKED can return further rows, past the LIMIT.
    // TypeORM answers an UPDATE ... RETURNING with [rows, affectedCount].
    const [rows]: [ClaimedPayment[], number] = await this.dataSource.query(
      `WITH due AS MATERIALIZED (
         SELECT id FROM payments
          WHERE status = 'pending' AND stk_request_id IS NOT NULL
            AND created_at <= $1::timestamptz - ($3::int * interval '1 second')
            AND (next_query_at IS NULL OR next_query_at <= $1::timestamptz)
          ORDER BY next_query_at, created_at
          LIMIT $4
          FOR UPDATE SKIP LOCKED)
       UPDATE payments p SET next_query_at = now() + ($2::int * interval '1 millisecond')
         FROM due WHERE p.id = due.id
       RETURNING p.id, p.stk_request_id AS "stkRequestId"`,
      [roundStart, leaseMs, reconcileFirstQueryS, limit],
    );
    return rows;
  }

  /** Queries each claimed payment at the rate limit's pace, applying each answer as it comes. */
  private async queryAll(claimed: ClaimedPayment[]): Promise<QueryVerdict[]> {
    const work: Promise<QueryVerdict>[] = [];
    let limiterFailure: { error: unknown } | null = null;
    for (const payment of claimed) {
      try {
        await this.limiter.acquire();
      } catch (error) {
        limiterFailure = { error };
        break;
      }
      const applied = this.ask(payment.stkRequestId).then((answer) => this.applyAnswer(payment, answer));
      // Handled by allSettled below, but only after the loop: without a handler now, an answer that
      // fails to apply while the loop still waits for a slot (Postgres restarting) would be an
      // unhandled rejection, and Node ends the worker process for it.
      applied.catch(() => undefined);
      work.push(applied);
    }
    // Queries already sent are applied before the round fails; payments not asked about keep their
    // lease and come back once it ends.
    const settled = await Promise.allSettled(work);
    if (limiterFailure) throw limiterFailure.error;
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<QueryVerdict>).value);
  }

  private async ask(checkoutRequestId: string): Promise<StkQueryResult> {
    try {
      const answer = await this.daraja.stkQuery(checkoutRequestId);
      if (answer.kind === 'error') this.metrics.darajaError('query', answer.errorClass);
      return answer;
    } catch (error) {
      // The client throws only for an id it refuses to send (or a bug). Either way there is no
      // answer, and the payment must still reach its expiry rather than fail the round forever.
      return {
        kind: 'error',
        errorClass: error instanceof DarajaRequestError ? 'permanent' : 'indeterminate',
        httpStatus: null,
        errorCode: null,
        errorMessage: error instanceof Error ? error.message : String(error),
      };
    }
  }

  /**
   * Applies one query answer to its payment under the payment's row lock. A final answer settles a
   * pending payment (source: reconciliation); any other answer, or an answer for a payment that is
   * already final, changes no status. Public for tests that stage the callback-versus-query race.
   */
  async applyAnswer(claim: ClaimedPayment, answer: StkQueryResult): Promise<QueryVerdict> {
    const expiryS = this.config.payments.paymentExpiryS;
    return this.bus.transaction(async (manager) => {
      const payment = await this.settlement.lock(manager, claim.id);
      if (!payment) return 'gone';
      const queryNumber = payment.queryCount + 1;
      const about = { checkoutRequestId: claim.stkRequestId, queryNumber, ...describeAnswer(answer) };

      if (payment.status !== 'pending') {
        await manager.query('UPDATE payments SET query_count = query_count + 1 WHERE id = $1', [payment.id]);
        if (answer.kind === 'final' && classifyResultCode(answer.resultCode).outcome !== payment.status) {
          this.logger.warn({ paymentId: payment.id, resultCode: answer.resultCode, status: payment.status }, 'Status query disagrees with a final payment; not applied');
        }
        await this.recordQuery(manager, payment.id, { ...about, applied: false, note: `payment already ${payment.status}; a status query never changes a final payment` });
        return 'ignored';
      }

      if (answer.kind === 'final') {
        await manager.query('UPDATE payments SET query_count = query_count + 1 WHERE id = $1', [payment.id]);
        const { outcome, reason } = classifyResultCode(answer.resultCode);
        const resultDesc = answer.resultDesc || null;
        await this.settlement.settleLocked(
          manager,
          payment,
          outcome === 'completed'
            ? // The query never carries the receipt: mpesaTransactionId stays null unless a callback brings it.
              { status: 'completed', resultCode: answer.resultCode, resultDesc, receipt: null }
            : { status: 'failed', resultCode: answer.resultCode, resultDesc, errorMessage: describeFailure(answer.resultCode, resultDesc, reason) },
          { source: 'reconciliation', detail: { via: 'status-query', checkoutRequestId: claim.stkRequestId, queryNumber } },
        );
        return outcome;
      }

      const [{ expired }]: { expired: boolean }[] = await manager.query(
        `SELECT created_at <= now() - ($2::int * interval '1 second') AS expired FROM payments WHERE id = $1`,
        [payment.id, expiryS],
      );
      if (expired) {
        await manager.query('UPDATE payments SET query_count = query_count + 1 WHERE id = $1', [payment.id]);
        const cause: ExpiryCause = answer.kind === 'processing' ? { kind: 'still-processing' } : { kind: 'query-unanswered', errorMessage: answer.errorMessage };
        await this.settlement.settleLocked(
          manager,
          payment,
          { status: 'failed', resultCode: null, resultDesc: null, errorMessage: expiryMessage(expiryS, cause) },
          { source: 'reconciliation', eventType: 'expired', detail: { ...about, expirySeconds: expiryS } },
        );
        return 'expired';
      }

      // Still open: ask again after the backoff, but no later than the expiry, when it gets its last query.
      const backoffMs = queryBackoffMs(queryNumber, this.config.payments.reconcileIntervalS * 1000);
      const [[{ next }]]: [{ next: Date }[], number] = await manager.query(
        `UPDATE payments SET query_count = query_count + 1,
                next_query_at = LEAST(now() + ($2::int * interval '1 millisecond'), created_at + ($3::int * interval '1 second'))
          WHERE id = $1 RETURNING next_query_at AS next`,
        [payment.id, backoffMs, expiryS],
      );
      await this.recordQuery(manager, payment.id, { ...about, nextQueryAt: next.toISOString() });
      return 'pending';
    });
  }

  /**
   * Pending payments that no query can settle, past their expiry: a push whose answer was lost
   * (no CheckoutRequestID to ask about; a matching success callback would already have been applied
   * by CallbackApplicationService) and a push that was never sent (`queued`: no prompt ever reached
   * the customer, and failing it stops the push worker from sending it: its claim needs `pending`).
   * A push being sent right now (`sending`) is left alone: Daraja may accept it any moment, and
   * failing it then would let a customer pay for a failed payment; it becomes `accepted` or
   * `indeterminate` within minutes (the sweeper sees to that) and expires on a later round.
   */
  private async expireUnqueryable(roundStart: Date): Promise<number> {
    const expiryS = this.config.payments.paymentExpiryS;
    const rows: { id: string; pushState: string }[] = await this.dataSource.query(
      `SELECT id, push_state AS "pushState" FROM payments
        WHERE status = 'pending' AND stk_request_id IS NULL AND push_state IN ('queued', 'indeterminate')
          AND created_at <= $1::timestamptz - ($2::int * interval '1 second')
        ORDER BY created_at LIMIT $3`,
      [roundStart, expiryS, EXPIRE_BATCH],
    );
    let expired = 0;
    for (const { id, pushState } of rows) {
      // Its success callback may be stored already, unmatched: a push whose send was found abandoned
      // (a killed worker) becomes indeterminate only now, and this round may come before the sweep
      // that would match it. Matched, it has a CheckoutRequestID and is not expired below.
      if (pushState === 'indeterminate') await this.callbacks.matchByPhoneAndAmount(id);
      const done = await this.bus.transaction(async (manager) => {
        // Checked again under the lock: a callback may have matched it, a worker may have claimed it.
        const payment = await this.settlement.lock(manager, id);
        if (!payment || payment.status !== 'pending' || payment.stkRequestId) return false;
        if (payment.pushState !== 'queued' && payment.pushState !== 'indeterminate') return false;
        // Expiry is only the absence of news: a success callback that may be this push's, still
        // waiting for Daraja to confirm its CheckoutRequestID, is news. Expired on a later round.
        if (payment.pushState === 'indeterminate' && (await this.awaitsConfirmedCallback(manager, payment.pushSentAt ?? payment.createdAt))) return false;
        const cause: ExpiryCause = payment.pushState === 'queued' ? { kind: 'push-never-sent' } : { kind: 'push-answer-lost' };
        const result = await this.settlement.settle(
          manager,
          id,
          { status: 'failed', resultCode: null, resultDesc: null, errorMessage: expiryMessage(expiryS, cause) },
          { source: 'reconciliation', eventType: 'expired', detail: { expirySeconds: expiryS, pushState: payment.pushState, attempts: payment.attempts } },
        );
        return result.changed;
      });
      if (done) expired++;
    }
    return expired;
  }

  /** Whether a callback received within the prompt's lifetime after this send still waits for its STK Push Query. */
  private async awaitsConfirmedCallback(manager: EntityManager, sentAt: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM mpesa_callbacks
        WHERE state = 'unmatched' AND confirmation = 'needed'
          AND received_at >= $1::timestamptz AND received_at <= $1::timestamptz + ($2::int * interval '1 millisecond')
        LIMIT 1`,
      [sentAt, PROMPT_LIFETIME_MS],
    );
    return rows.length > 0;
  }

  private async recordQuery(manager: EntityManager, paymentId: string, detail: Record<string, unknown>): Promise<void> {
    await recordPaymentEvent(manager, { paymentId, type: 'status-query', source: 'reconciliation', detail });
  }
}

const ERROR_NOTES: Record<DarajaErrorClass, string> = {
  indeterminate: 'no usable answer (busy, spike arrest, network); asked again later',
  permanent: 'Daraja refused the query itself (e.g. an unknown CheckoutRequestID); that never fails a payment, asked again later',
  token: 'no working Daraja access token; asked again later',
  // The client reports these as indeterminate for a query; kept so every class has its words.
  retryable: 'Daraja refused the query for now; asked again later',
};

/** A query answer, as a payment event's detail shows it. */
function describeAnswer(answer: StkQueryResult): Record<string, unknown> {
  switch (answer.kind) {
    case 'final':
      return { answer: 'final', resultCode: answer.resultCode, resultDesc: answer.resultDesc };
    case 'processing':
      return { answer: 'processing' };
    case 'error':
      return {
        answer: 'error',
        errorClass: answer.errorClass,
        ...(answer.httpStatus !== null ? { httpStatus: answer.httpStatus } : {}),
        ...(answer.errorCode !== null ? { errorCode: answer.errorCode } : {}),
        errorMessage: answer.errorMessage,
        note: ERROR_NOTES[answer.errorClass],
      };
  }
}
