// At most ENDPOINT_CONCURRENCY deliveries in flight per endpoint, across every worker process, so
// one slow receiver cannot take all of the delivery queue's concurrency (and a burst of events
// does not hammer a receiver). Slots are leases in a Redis sorted set (member: the delivery,
// score: when the lease lapses), taken atomically by a small script; a crashed worker's lease
// lapses by itself after SLOT_LEASE_MS, longer than an attempt can take.
import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { InjectRedis } from '../queues/redis-client.provider';
import { WEBHOOK_TIMEOUT_MS } from './webhook-sender';

export const ENDPOINT_CONCURRENCY = 5;
/** Longer than an attempt can take; a batch renews its leases every SLOT_RENEW_MS. */
const SLOT_LEASE_MS = WEBHOOK_TIMEOUT_MS * 2;
export const SLOT_RENEW_MS = WEBHOOK_TIMEOUT_MS / 2;

const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** Up to ARGV[4] slots for the members ARGV[3]#1 … (a batch's lanes); answers how many were taken. */
const ACQUIRE_MANY = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
-- A batch run again (its worker died) takes its own old leases back.
for i = 1, tonumber(ARGV[4]) do redis.call('ZREM', KEYS[1], ARGV[3] .. '#' .. i) end
local free = tonumber(ARGV[5]) - redis.call('ZCARD', KEYS[1])
local want = math.min(tonumber(ARGV[4]), free)
if want <= 0 then return 0 end
for i = 1, want do redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3] .. '#' .. i) end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return want`;

@Injectable()
export class EndpointSlots {
  private readonly logger = new Logger(EndpointSlots.name);

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  private key(endpointId: string): string {
    return `${this.config.redisKeyPrefix}:webhook-slots:${endpointId}`;
  }

  /** True when the delivery may go now. Without Redis it goes: the bound is a courtesy, not a guarantee. */
  async acquire(endpointId: string, deliveryId: string): Promise<boolean> {
    const now = Date.now();
    try {
      const taken = await this.redis.eval(ACQUIRE, 1, this.key(endpointId), now, now + SLOT_LEASE_MS, deliveryId, ENDPOINT_CONCURRENCY, SLOT_LEASE_MS);
      return taken === 1;
    } catch (error) {
      this.logger.warn({ err: error, endpointId }, 'endpoint slot not checked (Redis unavailable)');
      return true;
    }
  }

  /**
   * Up to `want` slots for a batch's lanes (members `owner#1` …); answers how many it may use,
   * `want` without Redis. Renew them while the batch runs: a lease lapses after SLOT_LEASE_MS.
   */
  async acquireMany(endpointId: string, owner: string, want: number): Promise<number> {
    const now = Date.now();
    try {
      return Number(await this.redis.eval(ACQUIRE_MANY, 1, this.key(endpointId), now, now + SLOT_LEASE_MS, owner, want, ENDPOINT_CONCURRENCY, SLOT_LEASE_MS));
    } catch (error) {
      this.logger.warn({ err: error, endpointId }, 'endpoint slots not checked (Redis unavailable)');
      return want;
    }
  }

  /** Extends a batch's leases (only those it still holds). */
  async renewMany(endpointId: string, owner: string, taken: number): Promise<void> {
    if (taken === 0) return;
    const score = Date.now() + SLOT_LEASE_MS;
    const args = Array.from({ length: taken }, (_, i) => [score, `${owner}#${i + 1}`]).flat();
    await this.redis.call('ZADD', this.key(endpointId), 'XX', ...args).catch(() => undefined);
  }

  async releaseMany(endpointId: string, owner: string, taken: number): Promise<void> {
    if (taken === 0) return;
    await this.redis.zrem(this.key(endpointId), ...Array.from({ length: taken }, (_, i) => `${owner}#${i + 1}`)).catch(() => undefined);
  }

  async release(endpointId: string, deliveryId: string): Promise<void> {
    await this.redis.zrem(this.key(endpointId), deliveryId).catch(() => undefined);
  }
}
