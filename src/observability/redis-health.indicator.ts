// Readiness of Redis: a PING on the service's fail-fast client, bounded in time.
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { InjectRedis } from '../queues/redis-client.provider';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key: string, timeoutMs = 1000) {
    const indicator = this.health.check(key);
    try {
      const pong = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
      ]);
      return pong === 'PONG' ? indicator.up() : indicator.down({ message: 'unexpected PING answer' });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
