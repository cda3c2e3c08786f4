// One plain ioredis client for the service's own Redis use (health checks, and later pub/sub and
// rate limits). It fails fast instead of queueing commands while Redis is away, so callers can
// answer 503 rather than hang; BullMQ keeps its own patient connections.
import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { appConfig } from '../config/config.module';
import { redisOptionsFromUrl } from './redis-connection';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const InjectRedis = () => Inject(REDIS_CLIENT);

export const redisClientProvider: Provider = {
  provide: REDIS_CLIENT,
  inject: [appConfig.KEY],
  useFactory: (config: AppConfig) =>
    new Redis({
      ...redisOptionsFromUrl(config.redisUrl),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    }).on('error', () => {
      // Connection errors surface through the commands that fail; ioredis keeps reconnecting.
    }),
};

@Injectable()
export class RedisClientCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Whether Redis answers on this client now, waiting at most `waitMs` for a connection in progress.
 * Lets a request that needs Redis answer 503 at once while Redis is away, instead of waiting on a
 * connection that queues commands (BullMQ's) or on a timeout of its own.
 */
export async function redisReady(redis: Redis, waitMs = 1000): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, waitMs);
    redis.once('ready', onReady);
  });
}
