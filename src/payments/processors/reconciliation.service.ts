// Reconciliation: asks Daraja (STK Push Query) about pending payments that no callback has settled,
// and fails as expired what nothing settled in time. One run() is one round (the reconcile-sweep job, payment-job.handlers.ts).
import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { MicroBatcher } from '../../common/micro-batcher';
import { RateLimiter, RedisSlotStore } from '../../common/rate-limit';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { DarajaClient } from '../../mpesa/daraja.client';
import { DarajaRequestError } from '../../mpesa/daraja-request.error';
import type { StkQueryResult } from '../../mpesa/daraja.types';
import { InjectRedis } from '../../queues/redis-client.provider';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import { CallbackApplicationService } from '../callbacks/callback-application.service';
import { LeasedPayment, PaymentTransitions, QueryAnswer } from '../state/payment-transitions';
import type { QueryVerdict } from './query-answer';

/** Lost or never-sent pushes expired per round; the rest wait for the next round. */
const EXPIRE_BATCH = 500;
/** Most status queries one round makes, whatever the rate: keeps a round bounded. */
const MAX_QUERIES_PER_ROUND = 5000;
/**
 * Most query answers applied in one transaction. One batch is written at a time while the next one
 * fills, which keeps up with 1,000 queries/s (BENCHMARKS.md). Two at once used to deadlock on the
 * stats trigger's shared rows (gone: the trigger only appends now, migration 1796190800000).
 */
const ANSWER_BATCH = 200;
/** A batch that deadlocks on payment rows (a callback batch or another worker locking them in another order) rolled back whole: run it again. */
const DEADLOCK_ATTEMPTS = 3;

export type { QueryVerdict } from './query-answer';
/** A payment leased for one status query. */
export type ClaimedPayment = LeasedPayment;

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
  /** Answers that arrive while a batch is written go together in the next one. */
  private readonly answers = new MicroBatcher<QueryAnswer, QueryVerdict>({
    run: (items) => this.applyBatch(items),
    maxBatch: ANSWER_BATCH,
    maxInFlight: 1,
  });

  constructor(
    private readonly transitions: PaymentTransitions,
    @InjectAppConfig() private readonly config: AppConfig,
    @InjectRedis() redis: Redis,
    private readonly daraja: DarajaClient,
    private readonly metrics: PaymentMetrics,
    private readonly callbacks: CallbackApplicationService,
  ) {
    // One key per deployment (prefix): every worker process draws from the same budget.
    this.limiter = new RateLimiter(new RedisSlotStore(redis), `${config.redisKeyPrefix}:rate-limit:stk-query`, config.payments.reconcileQueriesPerSecond);
  }

  async run(): Promise<ReconcileReport> {
    // "Due" is judged against the round's start: a payment answered during this round is never due
    // again before the next one, so each payment is queried at most once per round.
    const roundStart = await this.transitions.now();
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

  /** Leases about `limit` due payments to this round (PaymentTransitions.leaseForQuery). */
  private claimDue(roundStart: Date, limit: number): Promise<ClaimedPayment[]> {
    const { reconcileFirstQueryS, reconcileQueriesPerSecond } = this.config.payments;
    const leaseMs = Math.ceil((limit / reconcileQueriesPerSecond) * 1000) + 2 * this.config.mpesa.timeoutMs + 30_000;
    return this.transitions.leaseForQuery(roundStart, leaseMs, reconcileFirstQueryS, limit);
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
   * Applies one query answer to its payment (PaymentTransitions.recordQueryAnswers: a final answer
   * settles a pending payment, any other changes no status), batched with the answers that arrive
   * meanwhile. Public for tests that stage the callback-versus-query race.
   */
  applyAnswer(claim: ClaimedPayment, answer: StkQueryResult): Promise<QueryVerdict> {
    return this.answers.submit({ claim, answer });
  }

  /** One batch; a payment answered twice in it (never within a round) goes in a later pass. */
  private async applyBatch(items: QueryAnswer[]): Promise<PromiseSettledResult<QueryVerdict>[]> {
    const schedule = { expiryS: this.config.payments.paymentExpiryS, intervalMs: this.config.payments.reconcileIntervalS * 1000 };
    const verdicts: PromiseSettledResult<QueryVerdict>[] = new Array(items.length);
    let left = items.map((item, index) => ({ item, index }));
    while (left.length > 0) {
      const seen = new Set<string>();
      const pass = left.filter(({ item }) => !seen.has(item.claim.id) && seen.add(item.claim.id));
      left = left.filter((entry) => !pass.includes(entry));
      const results = await recordRetryingDeadlocks(() => this.transitions.recordQueryAnswers(pass.map(({ item }) => item), schedule));
      results.forEach((result, i) => {
        if (result.disagreement) {
          this.logger.warn({ paymentId: pass[i].item.claim.id, ...result.disagreement }, 'Status query disagrees with a final payment; not applied');
        }
        verdicts[pass[i].index] = { status: 'fulfilled', value: result.verdict };
      });
    }
    return verdicts;
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
    let expired = 0;
    for (const { id, pushState } of await this.transitions.expiryCandidates(roundStart, expiryS, EXPIRE_BATCH)) {
      // Its success callback may be stored already, unmatched: a push whose send was found abandoned
      // (a killed worker) becomes indeterminate only now, and this round may come before the sweep
      // that would match it. Matched, it has a CheckoutRequestID and is not expired.
      if (pushState === 'indeterminate') await this.callbacks.matchByPhoneAndAmount(id);
      if (await this.transitions.expire(id, expiryS)) expired++;
    }
    return expired;
  }
}

/** Runs a whole-transaction write again when Postgres aborted it for a deadlock (40P01). Exported for its spec. */
export async function recordRetryingDeadlocks<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const code = (error as { driverError?: { code?: unknown }; code?: unknown }).driverError?.code ?? (error as { code?: unknown }).code;
      if (code !== '40P01' || attempt >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}
