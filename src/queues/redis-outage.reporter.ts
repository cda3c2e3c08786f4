// While Redis is away every BullMQ queue and worker and the service's own client report the same
// connection error several times a second; unheard, BullMQ prints each as a raw stack trace. They
// all come here instead: one warning line at most every REPORT_EVERY_MS, naming REDIS_URL and the
// error, and one line when Redis is back. The service keeps running meanwhile (/health/ready 503).
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { printableUrl } from '../common/printable-url';
import { JobProducer } from './job-producer.service';
import { REDIS_CLIENT } from './redis-client.provider';

export const REDIS_REPORT_EVERY_MS = 10_000;

@Injectable()
export class RedisOutageReporter implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private lastReportAt = 0;
  private down = false;

  constructor(
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly producer: JobProducer,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  private answering: Promise<boolean> | null = null;

  /**
   * Whether Redis answers a PING within 500 ms, asked once per shutdown and shared by every hook:
   * a client's status alone can still say 'ready' for a moment after Redis went away.
   */
  answersNow(): Promise<boolean> {
    this.answering ??= Promise.race([
      this.redis.status === 'ready' ? this.redis.ping().then(() => true, () => false) : Promise.resolve(false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500).unref()),
    ]);
    return this.answering;
  }

  onModuleInit(): void {
    for (const queue of this.producer.allQueues()) queue.on('error', (error: Error) => this.report(error));
    this.redis.on('error', (error: Error) => this.report(error));
    this.redis.on('ready', () => this.recovered());
  }

  /** Any connection error of any Redis user of this process. */
  report(error: Error, now = Date.now()): void {
    this.down = true;
    if (now - this.lastReportAt < REDIS_REPORT_EVERY_MS) return;
    this.lastReportAt = now;
    this.logger.warn(
      `Redis at REDIS_URL=${printableUrl(this.config.redisUrl)} is unreachable (${error.message || (error as { code?: string }).code || error.name}): ` +
        'jobs wait and /health/ready answers 503 until it is back; retrying',
    );
  }

  /**
   * Stopping while Redis is away: BullMQ's close() would wait for a connection that is not coming
   * (ioredis queues the QUIT until it reconnects) and the shutdown would hit its 30 s limit.
   * Nothing can be finished against an absent Redis, so each queue's connection is dropped first
   * (a connection that was up ends at once), then closed (one still being made is dropped there),
   * each step bounded; the queue processors do the same for their workers. Jobs a worker held are
   * handed back by BullMQ's stalled-job check once Redis is back.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (await this.answersNow()) return;
    await Promise.all(this.producer.allQueues().map((queue) => dropConnection(queue)));
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.lastReportAt = 0;
    this.logger.log(`Redis at REDIS_URL=${printableUrl(this.config.redisUrl)} is reachable again`);
  }
}

const STEP_LIMIT_MS = 500;

function bounded(work: Promise<unknown>): Promise<unknown> {
  return Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, STEP_LIMIT_MS).unref())]);
}

/** Ends a queue's or worker's Redis connections without waiting for Redis. */
export async function dropConnection(client: { disconnect(): Promise<void>; close(force?: boolean): Promise<void> }): Promise<void> {
  await bounded(client.disconnect());
  await bounded(client.close(true));
}
