// Publishes every payment change on Redis (and counts status changes for /metrics) once its
// transaction has committed, from whichever process made it (API or worker), so the event stream
// of every API process can relay it. A handler of the after-commit bus's 'payment-changed' topic.
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { AfterCommitBus } from '../../events/after-commit.bus';
import type { PaymentChange } from '../../events/commit-events';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import { InjectRedis } from '../../queues/redis-client.provider';
import { PaymentEventMessage, paymentEventsChannel } from './payment-event.message';

type Draft = PaymentChange;

/** Payments whose referral this process has seen; a payment never changes referral. */
const REFERRAL_CACHE_SIZE = 10_000;

/**
 * The transaction never waits: the handler returns at once and publishing runs afterwards, its
 * errors logged. An event lost that way (Redis away, a crash right after the commit) only delays
 * a dashboard, which reloads when its stream reconnects; the history rows remain the record.
 */
@Injectable()
export class PaymentEventPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentEventPublisher.name);
  private readonly channel: string;
  /** paymentId → referralId, filled by the changes that name it and by lookups; oldest dropped first. */
  private readonly referralOf = new Map<string, string>();
  /** Publishes leave in commit order, each after its (rare) lookup. */
  private tail: Promise<void> = Promise.resolve();
  private redisWasDown = false;

  constructor(
    private readonly bus: AfterCommitBus,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() private readonly redis: Redis,
    @InjectAppConfig() config: AppConfig,
    @Optional() private readonly metrics?: PaymentMetrics,
  ) {
    this.channel = paymentEventsChannel(config.redisKeyPrefix);
  }

  onModuleInit(): void {
    this.bus.on('payment-changed', (changes) => this.committed(changes));
  }

  async onApplicationShutdown(): Promise<void> {
    // Let the publishes of committed changes finish before Redis and Postgres close, briefly.
    await Promise.race([this.tail, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  /** Committed changes: counted for /metrics, then published. */
  private committed(drafts: readonly Draft[]): void {
    for (const d of drafts) {
      if (d.referralId) this.remember(d.paymentId, d.referralId);
      if (d.toStatus && d.fromStatus !== d.toStatus) this.metrics?.transition(d.fromStatus, d.toStatus, d.source);
    }
    this.publish(drafts);
  }

  /** Fire and forget: never awaited by the transaction, never throws. */
  private publish(drafts: readonly Draft[]): void {
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
   * The event row does not hold the referral. Most writers name it; for the others this process
   * reads it once per payment, after the commit, off the transaction's path.
   */
  private async toMessages(drafts: readonly Draft[], at: string): Promise<PaymentEventMessage[]> {
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
      return referralId ? [{ paymentId: d.paymentId, referralId, type: d.type, fromStatus: d.fromStatus, toStatus: d.toStatus, source: d.source, at }] : [];
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
