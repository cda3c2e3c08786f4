// Rate limits for the API (RATE_LIMIT_PER_MINUTE per key or address, 0 = none), counted in Redis
// so they hold across every API process. Answers 429 with Retry-After.
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../../config/app-config';
import { appConfig } from '../../config/config.module';
import type Redis from 'ioredis';
import { AuthModule } from '../../auth/auth.module';
import { QueuesModule } from '../../queues/queues.module';
import { REDIS_CLIENT } from '../../queues/redis-client.provider';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const ONE_MINUTE_MS = 60_000;

@Module({
  imports: [
    AuthModule,
    ThrottlerModule.forRootAsync({
      imports: [QueuesModule],
      inject: [appConfig.KEY, REDIS_CLIENT],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [{ name: 'default', ttl: ONE_MINUTE_MS, limit: Math.max(1, config.rateLimitPerMinute) }],
        storage: new RedisThrottlerStorage(redis, config),
        skipIf: () => config.rateLimitPerMinute === 0,
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ApiThrottlerGuard }],
})
export class ThrottlingModule {}
