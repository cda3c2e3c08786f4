// Payments before notifications. Two webhook deliveries cost about as much CPU as the callback that
// caused them, and on a small machine the deliveries and the payment path share the same cores and
// the same Postgres: delivering during a burst of callbacks slows the callbacks by a fifth or more.
// So while the payment path is busy (at least HOLD_ABOVE_PER_S payment history rows a second, from
// the identity column's growth: one index lookup per sample) webhooks hold back: the fan-out does
// not run and a batch stops before its next first attempt. Never for long: nothing is held once the
// change it reports is HOLD_AT_MOST_MS old, so a burst longer than that is delivered as before, that
// much later. Retries and admins' redeliveries are never held (few, and on their own schedule).
// The fan-out samples and publishes the verdict in Redis with a short expiry, so every worker's
// batches see it; a sampler that stops (or Redis away) lets the verdict lapse and nothing is held.
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { InjectRedis } from '../queues/redis-client.provider';

/** The payment path is busy at this many payment history rows a second or more. */
export const HOLD_ABOVE_PER_S = 50;
/**
 * Or this many callbacks stored and not applied yet: the tail of a burst, when the history grows
 * slower than the callbacks waiting (deliveries then would slow exactly the ones still to apply).
 */
export const HOLD_ABOVE_BACKLOG = 20;
/** Nothing is held back once the change it reports is this old. */
export const HOLD_AT_MOST_MS = 30_000;
/** How long a published verdict stands without a new sample (the fan-out samples every second). */
const VERDICT_TTL_MS = 3_000;
/** How long a batch trusts the verdict it read. */
const VERDICT_CACHE_MS = 250;

export interface PaceSample {
  /** The highest payment_events id. */
  high: number;
  /** When it was read (ms). */
  at: number;
}

/** Payment history rows a second between two samples; null for the first sample, or a clock that went back. */
export function historyRate(previous: PaceSample | null, current: PaceSample): number | null {
  if (!previous || current.at <= previous.at) return null;
  return (Math.max(0, current.high - previous.high) * 1000) / (current.at - previous.at);
}

/** Whether the payment path is busy: history growing fast, or callbacks waiting to be applied. */
export function paymentPathBusy(ratePerS: number | null, backlog: number): boolean {
  return (ratePerS !== null && ratePerS >= HOLD_ABOVE_PER_S) || backlog >= HOLD_ABOVE_BACKLOG;
}

/** Whether to hold back the delivery of a change `ageMs` old, the payment path being `busy` or not. */
export function shouldHold(busy: boolean, ageMs: number): boolean {
  return busy && ageMs < HOLD_AT_MOST_MS;
}

@Injectable()
export class DeliveryPacer {
  private readonly logger = new Logger(DeliveryPacer.name);
  private previous: PaceSample | null = null;
  private cached: { busy: boolean; until: number } = { busy: false, until: 0 };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() private readonly redis: Redis,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  private key(): string {
    return `${this.config.redisKeyPrefix}:webhook-pacer`;
  }

  /**
   * The fan-out's question, answered with a fresh sample (one statement): whether to skip this
   * round because the payment path is busy and the oldest change not fanned out yet is younger than
   * HOLD_AT_MOST_MS. Publishes the verdict for every worker's batches.
   */
  async holdFanOut(): Promise<{ hold: boolean; ratePerS: number | null; oldestMs: number | null }> {
    const [row] = (await this.dataSource.query(
      `SELECT (SELECT max(id) FROM payment_events)::text AS high,
              (SELECT count(*) FROM (SELECT 1 FROM mpesa_callbacks WHERE state = 'received' LIMIT ${HOLD_ABOVE_BACKLOG}) AS waiting)::int AS backlog,
              (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms,
              (extract(epoch FROM clock_timestamp() - least(
                 (SELECT at FROM payment_events WHERE webhook_fanned_out_at IS NULL ORDER BY id LIMIT 1),
                 (SELECT min(at) FROM referral_status_changes WHERE webhook_fanned_out_at IS NULL),
                 (SELECT at FROM receipt_events WHERE webhook_fanned_out_at IS NULL ORDER BY id LIMIT 1),
                 (SELECT created_at FROM reconciliation_reports WHERE webhook_fanned_out_at IS NULL ORDER BY seq LIMIT 1))) * 1000)::float8 AS oldest_ms`,
    )) as { high: string | null; backlog: number; now_ms: number; oldest_ms: number | null }[];
    const sample: PaceSample = { high: Number(row.high ?? 0), at: row.now_ms };
    const ratePerS = historyRate(this.previous, sample);
    this.previous = sample;
    const busy = paymentPathBusy(ratePerS, row.backlog);
    await this.publish(busy);
    return { hold: row.oldest_ms !== null && shouldHold(busy, row.oldest_ms), ratePerS, oldestMs: row.oldest_ms };
  }

  /** A batch's question before each first attempt: hold back a change made at `createdAt`? */
  async holdDelivery(createdAt: Date): Promise<boolean> {
    const age = Date.now() - createdAt.getTime();
    if (age >= HOLD_AT_MOST_MS) return false;
    return shouldHold(await this.busy(), age);
  }

  /** The published verdict: is the payment path busy? (read at most every VERDICT_CACHE_MS) */
  async busy(): Promise<boolean> {
    const now = Date.now();
    if (now < this.cached.until) return this.cached.busy;
    let busy = false;
    try {
      busy = (await this.redis.get(this.key())) === 'busy';
    } catch {
      // Redis away: hold nothing.
    }
    this.cached = { busy, until: now + VERDICT_CACHE_MS };
    return busy;
  }

  private async publish(busy: boolean): Promise<void> {
    this.cached = { busy, until: Date.now() + VERDICT_CACHE_MS };
    try {
      if (busy) await this.redis.set(this.key(), 'busy', 'PX', VERDICT_TTL_MS);
      else await this.redis.del(this.key());
    } catch (error) {
      this.logger.debug({ err: error }, 'webhook pacing verdict not published (Redis unavailable)');
    }
  }
}
