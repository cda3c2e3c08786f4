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
const SLOT_LEASE_MS = WEBHOOK_TIMEOUT_MS * 2;

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

  async release(endpointId: string, deliveryId: string): Promise<void> {
    await this.redis.zrem(this.key(endpointId), deliveryId).catch(() => undefined);
  }
}
