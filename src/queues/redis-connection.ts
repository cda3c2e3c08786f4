// REDIS_URL to ioredis options, honouring a database number in the path (`/3`) and rediss:// TLS.
import type { RedisOptions } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';

export function redisOptionsFromUrl(redisUrl: string): RedisOptions & BullRedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.replace(/^\//, '');
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: db ? Number(db) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    // BullMQ workers block on Redis and must never give up a command on their own.
    maxRetriesPerRequest: null,
    // Reconnect at most 2 s apart, however long Redis was away, so every connection is back within
    // 2 s of Redis (BullMQ's own default waits up to 20 s between tries after a long outage).
    retryStrategy: (times: number) => Math.min(250 * times, 2000),
  };
}
