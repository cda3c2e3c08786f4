// Publishes every payment change on Redis (and counts status changes for /metrics) once its
// transaction has committed, from whichever process made it (API or worker), so the event stream
// of every API process can relay it.
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import type {
  DataSource,
  EntitySubscriberInterface,
  InsertEvent,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
} from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import { InjectRedis } from '../../queues/redis-client.provider';
import { PaymentEvent } from '../payment-event.entity';
import type { PaymentEventSource, PaymentStatus } from '../payment-status';
import { Payment } from '../payment.entity';
import { PaymentEventMessage, paymentEventsChannel } from './payment-event.message';

/** An inserted event, not yet known to be committed. */
interface Draft {
  paymentId: string;
  type: string;
  fromStatus: PaymentStatus | null;
  toStatus: PaymentStatus | null;
  source: PaymentEventSource;
}

/** Kept on the transaction's own query runner, so concurrent transactions never mix. */
interface TransactionDrafts {
  depth: number;
  drafts: { depth: number; draft: Draft }[];
}

const DRAFTS_KEY = 'paymentEventPublisher';
/** Payments whose referral this process has seen; a payment never changes referral. */
const REFERRAL_CACHE_SIZE = 10_000;

/**
 * A TypeORM subscriber, registered by hand on the one DataSource (rather than through the
 * `subscribers` option) so it can use Nest's Redis client and configuration.
 *
 * afterInsert only remembers the event on its transaction's query runner; afterTransactionCommit
 * publishes what the outermost commit made durable, and a rollback drops it. The transaction never
 * waits: the hooks return at once and publishing runs afterwards, its errors logged. An event lost
 * that way (Redis away, a crash right after the commit) only delays a dashboard, which reloads
 * when its stream reconnects; the history rows remain the record.
 */
@Injectable()
export class PaymentEventPublisher implements EntitySubscriberInterface, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentEventPublisher.name);
  private readonly channel: string;
  /** paymentId → referralId, filled by payment inserts seen here and by lookups; oldest dropped first. */
  private readonly referralOf = new Map<string, string>();
  /** Publishes leave in commit order, each after its (rare) lookup. */
  private tail: Promise<void> = Promise.resolve();
  private redisWasDown = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() private readonly redis: Redis,
    @InjectAppConfig() config: AppConfig,
    @Optional() private readonly metrics?: PaymentMetrics,
  ) {
    this.channel = paymentEventsChannel(config.redisKeyPrefix);
  }

  onModuleInit(): void {
    // PaymentsModule serves the API and the worker: in `all` it is still one instance.
    if (!this.dataSource.subscribers.includes(this)) this.dataSource.subscribers.push(this);
  }

  async onApplicationShutdown(): Promise<void> {
    const index = this.dataSource.subscribers.indexOf(this);
    if (index >= 0) this.dataSource.subscribers.splice(index, 1);
    // Let the publishes of committed changes finish before Redis and Postgres close, briefly.
    await Promise.race([this.tail, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  afterTransactionStart(event: TransactionStartEvent): void {
    const state = this.stateOf(event.queryRunner, 0);
    if (state) state.depth += 1;
  }

  /**
   * A payment read here (to settle it, most often) tells its referral too: its changes then need no
   * lookup after the commit, which otherwise costs one query per callback in a process that did not
   * create the payment.
   */
  afterLoad(entity: object): void {
    if (entity instanceof Payment && entity.id && entity.referralId && !this.referralOf.has(entity.id)) this.remember(entity.id, entity.referralId);
  }

  afterInsert(event: InsertEvent<object>): void {
    if (event.metadata.target === Payment) {
      const payment = event.entity as Partial<Payment>;
      if (payment.id && payment.referralId) this.remember(payment.id, payment.referralId);
      return;
    }
    if (event.metadata.target !== PaymentEvent) return;
    const draft = toDraft(event.entity as Partial<PaymentEvent>);
    // A transaction begun before this subscriber was registered still counts as one level.
    const state = this.stateOf(event.queryRunner, event.queryRunner.isTransactionActive ? 1 : undefined);
    if (!state) {
      this.committed([draft]); // no transaction: the row is already durable
      return;
    }
    state.drafts.push({ depth: state.depth, draft });
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const state = this.stateOf(event.queryRunner);
    if (!state) return;
    state.depth = Math.max(0, state.depth - 1);
    if (event.queryRunner.isTransactionActive) {
      // A savepoint was released: its events now belong to the enclosing level.
      for (const entry of state.drafts) entry.depth = Math.min(entry.depth, state.depth);
      return;
    }
    delete event.queryRunner.data[DRAFTS_KEY];
    if (state.drafts.length > 0) this.committed(state.drafts.map((entry) => entry.draft));
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const state = this.stateOf(event.queryRunner);
    if (!state) return;
    state.depth = Math.max(0, state.depth - 1);
    if (event.queryRunner.isTransactionActive) {
      // Rolled back to a savepoint: only what was inserted after it is gone.
      state.drafts = state.drafts.filter((entry) => entry.depth <= state.depth);
      return;
    }
    delete event.queryRunner.data[DRAFTS_KEY];
  }

  /** The drafts of the query runner's transaction; created (at `createAtDepth`) when asked to. */
  private stateOf(queryRunner: QueryRunner, createAtDepth?: number): TransactionDrafts | undefined {
    const existing = queryRunner.data[DRAFTS_KEY] as TransactionDrafts | undefined;
    if (existing || createAtDepth === undefined) return existing;
    const state: TransactionDrafts = { depth: createAtDepth, drafts: [] };
    queryRunner.data[DRAFTS_KEY] = state;
    return state;
  }

  /** Committed changes: counted for /metrics, then published. */
  private committed(drafts: Draft[]): void {
    for (const d of drafts) {
      if (d.toStatus && d.fromStatus !== d.toStatus) this.metrics?.transition(d.fromStatus, d.toStatus, d.source);
    }
    this.publish(drafts);
  }

  /** Fire and forget: never awaited by the transaction, never throws. */
  private publish(drafts: Draft[]): void {
    if (this.redis.status !== 'ready') {
      // Fail fast, and say so once per outage rather than once per change.
      if (!this.redisWasDown) this.logger.warn(`Redis is ${this.redis.status}: payment events are not published until it is back`);
      this.redisWasDown = true;
      return;
    }
    this.redisWasDown = false;
    const at = new Date().toISOString(); // when the change committed
    const messages = this.toMessages(drafts, at);
    messages.catch(() => undefined); // handled below, in order
    this.tail = this.tail
      .then(() => messages)
      .then((ready) => Promise.all(ready.map((message) => this.redis.publish(this.channel, JSON.stringify(message)))))
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.warn(`Could not publish ${drafts.length} payment event(s): ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  /**
   * The event row does not hold the referral. The process that created a payment saw it inserted;
   * any other process reads it once per payment, after the commit, off the transaction's path.
   */
  private async toMessages(drafts: Draft[], at: string): Promise<PaymentEventMessage[]> {
    const unknown = [...new Set(drafts.map((d) => d.paymentId).filter((id) => !this.referralOf.has(id)))];
    if (unknown.length > 0) {
      const rows: { id: string; referral_id: string }[] = await this.dataSource.query(
        'SELECT id, referral_id FROM payments WHERE id = ANY($1::uuid[])',
        [unknown],
      );
      for (const row of rows) this.remember(row.id, row.referral_id);
    }
    return drafts.flatMap((d) => {
      const referralId = this.referralOf.get(d.paymentId);
      return referralId ? [{ ...d, referralId, at }] : [];
    });
  }

  private remember(paymentId: string, referralId: string): void {
    this.referralOf.delete(paymentId);
    this.referralOf.set(paymentId, referralId);
    if (this.referralOf.size > REFERRAL_CACHE_SIZE) {
      const oldest = this.referralOf.keys().next().value;
      if (oldest !== undefined) this.referralOf.delete(oldest);
    }
  }
}

function toDraft(entity: Partial<PaymentEvent>): Draft {
  return {
    paymentId: String(entity.paymentId),
    type: String(entity.type),
    fromStatus: entity.fromStatus ?? null,
    toStatus: entity.toStatus ?? null,
    source: entity.source as PaymentEventSource,
  };
}
