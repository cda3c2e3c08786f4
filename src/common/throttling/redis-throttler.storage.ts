// Rate-limit counters in Redis, so a limit holds across every API process. Fixed windows: one
// INCR per request, the window's expiry set by the first. If Redis is away the request is let
// through: rate limiting must never be the reason a clinic cannot work.
import { Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { InjectRedis } from '../../queues/redis-client.provider';

const HIT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

export interface ThrottleRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private warnedAt = 0;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async increment(key: string, ttlMs: number, limit: number, _blockDurationMs: number, throttlerName: string): Promise<ThrottleRecord> {
    try {
      const [hits, pttl] = (await this.redis.eval(HIT, 1, `${this.config.redisKeyPrefix}:throttle:${throttlerName}:${key}`, ttlMs)) as [number, number];
      const timeToExpire = Math.max(1, Math.ceil(pttl / 1000));
      const isBlocked = hits > limit;
      return { totalHits: hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
    } catch (error) {
      if (Date.now() - this.warnedAt > 60_000) {
        this.warnedAt = Date.now();
        this.logger.warn({ error: (error as Error).message }, 'Rate limiting is off while Redis cannot be reached');
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttlMs / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
