// The one catalogue of queues, job names, payloads and job options. Side-effecting jobs get
// deterministic ids derived from the row they act on, so publishing one twice runs it once.
import type { JobsOptions } from 'bullmq';

export const QUEUES = {
  /** Sends one STK push for one payment. */
  stkPush: 'stk-push',
  /** Periodic: status queries for stale pending payments, expiry. */
  reconcile: 'reconcile',
  /** Periodic: republish owed pushes, finish abandoned sends, apply leftover callbacks. */
  sweep: 'payment-sweep',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

export const JOBS = {
  sendStkPush: 'send-stk-push',
  reconcileSweep: 'reconcile-sweep',
  paymentSweep: 'payment-sweep',
} as const;

export interface SendStkPushJob {
  paymentId: string;
}

/** Finished jobs are kept a while for the queue dashboard, then trimmed so Redis does not grow. */
export const KEEP_FINISHED: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};
