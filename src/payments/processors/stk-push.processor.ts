// The stk-push queue's worker: runs the sender and tells BullMQ what happened, so retries get
// backoff and final failures show as failed jobs.
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { QUEUES, SendStkPushJob } from '../../queues/queue-catalogue';
import { STK_BACKOFF, stkBackoffDelay } from '../push-dispatcher.service';
import { StkPushSender } from './stk-push.sender';

/** Thrown for a retryable refusal; carries Daraja's minimum wait into the backoff strategy. */
export class StkPushRetryError extends Error {
  constructor(message: string, readonly retryAfterMs = 0) {
    super(message);
    this.name = 'StkPushRetryError';
  }
}

export function stkBackoffStrategy(attemptsMade: number, type?: string, error?: Error, job?: { opts?: { backoff?: unknown } }): number {
  const backoff = job?.opts?.backoff as { delay?: number } | undefined;
  const base = backoff?.delay ?? 2000;
  const minimum = error instanceof StkPushRetryError ? error.retryAfterMs : 0;
  return type === STK_BACKOFF ? stkBackoffDelay(attemptsMade, base, minimum) : base;
}

@Processor(QUEUES.stkPush, {
  concurrency: 25,
  // Short locks so a killed worker's job is picked up again quickly (the sender then treats a
  // half-sent push as indeterminate, never resending it).
  lockDuration: 15_000,
  stalledInterval: 5_000,
  maxStalledCount: 3,
  settings: { backoffStrategy: stkBackoffStrategy },
})
export class StkPushProcessor extends WorkerHost {
  constructor(private readonly sender: StkPushSender) {
    super();
  }

  async process(job: Job<SendStkPushJob>) {
    const outcome = await this.sender.send(job.data.paymentId);
    if (outcome.kind === 'retry') throw new StkPushRetryError(outcome.reason, outcome.retryAfterMs);
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.reason);
    return outcome;
  }
}
