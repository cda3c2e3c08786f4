// Publishes the STK push job of a payment. The job id derives from the payment, so publishing
// twice (fast path after commit, then the sweeper) runs the push once.
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { JOBS, KEEP_FINISHED, QUEUES, SendStkPushJob } from '../queues/queue-catalogue';

export const stkPushJobId = (paymentId: string) => `push-${paymentId}`;

/** BullMQ's own attempts are a safety net only: the payment's `attempts` column is the authority. */
const EXTRA_JOB_ATTEMPTS = 2;

/**
 * How long a request waits for Redis to take a push job. BullMQ's connection queues commands while
 * Redis is away; without this bound the request would hang for the whole outage. The payment row
 * already records that the push is owed, so giving up here only hands it to the sweeper (and a
 * command still queued runs later under the same job id, which publishes nothing twice).
 */
export const PUBLISH_TIMEOUT_MS = 1000;

@Injectable()
export class PushDispatcher {
  private readonly logger = new Logger(PushDispatcher.name);

  constructor(
    @InjectQueue(QUEUES.stkPush) private readonly queue: Queue<SendStkPushJob>,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Never throws: the payment row (push_state 'queued') is the durable record that a push is
   * owed, and the sweeper publishes it again if Redis was away now.
   */
  async publish(paymentId: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const added = this.queue.add(JOBS.sendStkPush, { paymentId }, this.jobOptions(paymentId));
      added.catch(() => undefined); // a late failure after the timeout below has nobody to tell
      await Promise.race([
        added,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not take the job within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
        }),
      ]);
      return true;
    } catch (error) {
      this.logger.warn({ paymentId, error: (error as Error).message }, 'Could not publish the STK push job; the sweeper will');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Publishes again a push still owed. A finished job with the same id would make add() a no-op,
   * so such a leftover is removed first (its payment is still 'queued', so nothing was sent).
   */
  async republish(paymentId: string): Promise<void> {
    const existing = await this.queue.getJob(stkPushJobId(paymentId));
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed') return;
      await existing.remove();
    }
    await this.publish(paymentId);
  }

  private jobOptions(paymentId: string) {
    return {
      jobId: stkPushJobId(paymentId),
      attempts: this.config.payments.stkMaxAttempts + EXTRA_JOB_ATTEMPTS,
      backoff: { type: STK_BACKOFF, delay: this.config.payments.stkRetryBaseMs },
      ...KEEP_FINISHED,
    };
  }
}

export const STK_BACKOFF = 'stk-backoff';

/**
 * Exponential backoff with full jitter on the upper half: base * 2^(n-1) * [0.5, 1), never below
 * what Daraja asked for (e.g. a minute after "Unable to lock subscriber").
 */
export function stkBackoffDelay(attemptsMade: number, baseMs: number, minimumMs = 0, random = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = Math.round(exponential * (0.5 + random() / 2));
  return Math.max(jittered, minimumMs);
}
