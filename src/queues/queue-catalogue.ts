// The one catalogue of queues and jobs: every queue's name, its jobs' names and typed payloads,
// the options each job is published with (ids, attempts, backoff, retention), each queue's worker
// options, and the schedules. Producers publish through JobProducer, workers run @JobHandler
// methods, and a worker refuses to start unless every job here has exactly one handler.
// Side-effecting jobs get deterministic ids derived from the row they act on, so publishing one
// twice runs it once.
import type { JobsOptions, WorkerOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config';

export const QUEUES = {
  /** Sends one STK push for one payment. */
  stkPush: 'stk-push',
  /** Periodic: status queries for stale pending payments, expiry. */
  reconcile: 'reconcile',
  /** Periodic: republish owed pushes, finish abandoned sends, apply leftover callbacks; fold the stats changes into the aggregates. */
  sweep: 'payment-sweep',
  /** Webhook deliveries: a fan-out round's deliveries to one endpoint per job, a retry per job; its own queue so a slow receiver never holds up a payment. */
  webhookDelivery: 'webhook-delivery',
  /** Periodic: turn new history rows into webhook events and deliveries; republish lost deliveries. */
  webhookOutbox: 'webhook-outbox',
  /** M-Pesa's ledger: Transaction Status and Reversal sends, their follow-up, the Pull sweep. */
  ledger: 'ledger',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

export const JOBS = {
  sendStkPush: 'send-stk-push',
  reconcileSweep: 'reconcile-sweep',
  paymentSweep: 'payment-sweep',
  statsRollUp: 'payment-stats-roll-up',
  deliverWebhook: 'deliver-webhook',
  deliverWebhookBatch: 'deliver-webhook-batch',
  webhookFanOut: 'webhook-fan-out',
  webhookSweep: 'webhook-sweep',
  sendLedgerRequest: 'send-ledger-request',
  ledgerRequestsSweep: 'ledger-requests-sweep',
  ledgerPullSweep: 'ledger-pull-sweep',
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS];

export interface SendStkPushJob {
  paymentId: string;
}

export interface DeliverWebhookJob {
  deliveryId: string;
  /** An admin's redelivery: one attempt, whatever the delivery's status. */
  manual?: boolean;
  /** Attempts already made under an earlier job (a sweep's republish): the schedule goes on from there. */
  attemptOffset?: number;
}

/** A fan-out round's first attempts at one endpoint; a failed one goes on as its own deliver-webhook job. */
export interface DeliverWebhookBatchJob {
  endpointId: string;
  deliveryIds: string[];
}

export interface SendLedgerRequestJob {
  requestId: string;
}

/** The payload of each job. */
export interface JobPayloads {
  'send-stk-push': SendStkPushJob;
  'reconcile-sweep': Record<string, never>;
  'payment-sweep': Record<string, never>;
  'payment-stats-roll-up': Record<string, never>;
  'deliver-webhook': DeliverWebhookJob;
  'deliver-webhook-batch': DeliverWebhookBatchJob;
  'webhook-fan-out': Record<string, never>;
  'webhook-sweep': Record<string, never>;
  'send-ledger-request': SendLedgerRequestJob;
  'ledger-requests-sweep': Record<string, never>;
  'ledger-pull-sweep': Record<string, never>;
}

/** The queue each job runs on. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  'send-stk-push': QUEUES.stkPush,
  'reconcile-sweep': QUEUES.reconcile,
  'payment-sweep': QUEUES.sweep,
  'payment-stats-roll-up': QUEUES.sweep,
  'deliver-webhook': QUEUES.webhookDelivery,
  'deliver-webhook-batch': QUEUES.webhookDelivery,
  'webhook-fan-out': QUEUES.webhookOutbox,
  'webhook-sweep': QUEUES.webhookOutbox,
  'send-ledger-request': QUEUES.ledger,
  'ledger-requests-sweep': QUEUES.ledger,
  'ledger-pull-sweep': QUEUES.ledger,
};

/** Finished jobs are kept a while for the queue dashboard, then trimmed so Redis does not grow. */
export const KEEP_FINISHED: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Scheduled runs leave only a short trail: one runs every few seconds. */
const KEEP_FEW: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = { removeOnComplete: 100, removeOnFail: 1000 };

export const stkPushJobId = (paymentId: string) => `push-${paymentId}`;

/** The push's backoff strategy's name (see stkBackoffStrategy). */
export const STK_BACKOFF = 'stk-backoff';

/** BullMQ's own attempts are a safety net only: the payment's `attempts` column is the authority. */
const EXTRA_STK_JOB_ATTEMPTS = 2;

/** Options a published job gets. Only the push is published on demand; the sweeps are scheduled. */
export function sendStkPushOptions(paymentId: string, config: AppConfig): JobsOptions {
  return {
    jobId: stkPushJobId(paymentId),
    attempts: config.payments.stkMaxAttempts + EXTRA_STK_JOB_ATTEMPTS,
    backoff: { type: STK_BACKOFF, delay: config.payments.stkRetryBaseMs },
    ...KEEP_FINISHED,
  };
}

/**
 * One send of one ledger request: the row's `attempts` is in the id, so the sweep's republish of a
 * request due again is a new job, and publishing one attempt twice sends it once. One BullMQ
 * attempt: the row (state, next_attempt_at) is the authority on retries, and a Reversal is never
 * retried by BullMQ (the row's queued → sending claim lets it be sent once).
 */
export function sendLedgerRequestOptions(requestId: string, attempts: number): JobsOptions {
  return { jobId: `ledger-request-${requestId}-${attempts}`, attempts: 1, ...KEEP_FINISHED };
}

/** Thrown by a handler for a refusal worth retrying; carries the wait the other side asked for. */
export class RetryLaterError extends Error {
  constructor(message: string, readonly retryAfterMs = 0) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/**
 * Exponential backoff with full jitter on the upper half: base * 2^(n-1) * [0.5, 1), never below
 * what Daraja asked for (e.g. a minute after "Unable to lock subscriber").
 */
export function stkBackoffDelay(attemptsMade: number, baseMs: number, minimumMs = 0, random = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = Math.round(exponential * (0.5 + random() / 2));
  return Math.max(jittered, minimumMs);
}

export function stkBackoffStrategy(attemptsMade: number, type?: string, error?: Error, job?: { opts?: { backoff?: unknown } }): number {
  const backoff = job?.opts?.backoff as { delay?: number } | undefined;
  const base = backoff?.delay ?? 2000;
  const minimum = error instanceof RetryLaterError ? error.retryAfterMs : 0;
  return type === STK_BACKOFF ? stkBackoffDelay(attemptsMade, base, minimum) : base;
}

/**
 * The contract's webhook retry schedule, in seconds after each failed attempt: about 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h, then the delivery fails (eight attempts in all).
 */
export const WEBHOOK_RETRY_SCHEDULE_S = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;
export const WEBHOOK_ATTEMPTS = WEBHOOK_RETRY_SCHEDULE_S.length + 1;
export const WEBHOOK_BACKOFF = 'webhook-backoff';

export const webhookDeliveryJobId = (deliveryId: string) => `webhook-${deliveryId}`;

/** The wait after the n-th failed attempt (n from 1), `unitMs` per second of the schedule. */
export function webhookRetryDelayMs(attemptsMade: number, unitMs: number): number {
  const index = Math.min(Math.max(attemptsMade, 1), WEBHOOK_RETRY_SCHEDULE_S.length) - 1;
  return WEBHOOK_RETRY_SCHEDULE_S[index] * unitMs;
}

/** A delivery's job: the schedule through BullMQ's backoff, `delay` carrying the unit. */
export function deliverWebhookOptions(deliveryId: string, config: AppConfig, attemptOffset = 0): JobsOptions {
  return {
    jobId: webhookDeliveryJobId(deliveryId),
    attempts: Math.max(1, WEBHOOK_ATTEMPTS - attemptOffset),
    backoff: { type: WEBHOOK_BACKOFF, delay: config.webhooks.retryUnitMs },
    ...KEEP_FINISHED,
  };
}

/** At most this many deliveries per batch job. */
export const WEBHOOK_BATCH_MAX = 500;

/**
 * A batch's job: its id from its first delivery (publishing the same batch twice runs it once).
 * Its attempts are not the deliveries' (each delivery's first attempt is made once and recorded;
 * a failed one continues as its own job on the schedule): they only cover the batch failing as a
 * whole, Postgres away for instance.
 */
export function deliverWebhookBatchOptions(firstDeliveryId: string): JobsOptions {
  return {
    jobId: `webhook-batch-${firstDeliveryId}`,
    attempts: 5,
    backoff: { type: 'fixed', delay: 5000 },
    ...KEEP_FINISHED,
  };
}

/** An admin's redelivery: its own job (the scheduled one may still be waiting), one attempt. */
export function redeliverWebhookOptions(deliveryId: string, attemptNumber: number): JobsOptions {
  return { jobId: `${webhookDeliveryJobId(deliveryId)}-manual-${attemptNumber}`, attempts: 1, ...KEEP_FINISHED };
}

export function webhookBackoffStrategy(attemptsMade: number, type?: string, _error?: Error, job?: { opts?: { backoff?: unknown }; data?: unknown }): number {
  const backoff = job?.opts?.backoff as { delay?: number } | undefined;
  const offset = (job?.data as DeliverWebhookJob | undefined)?.attemptOffset ?? 0;
  return webhookRetryDelayMs(attemptsMade + offset, type === WEBHOOK_BACKOFF ? (backoff?.delay ?? 1000) : 1000);
}

/** Each queue's worker options, given to its @Processor. */
export const WORKER_OPTIONS: Record<QueueName, Omit<WorkerOptions, 'connection'>> = {
  'stk-push': {
    concurrency: 25,
    // Short locks so a killed worker's job is picked up again quickly (the sender then treats a
    // half-sent push as indeterminate, never resending it).
    lockDuration: 15_000,
    stalledInterval: 5_000,
    maxStalledCount: 3,
    settings: { backoffStrategy: stkBackoffStrategy },
  },
  // One sweep at a time per process; rounds that overlap across processes are kept apart by the
  // claims in the database.
  reconcile: { concurrency: 1 },
  'payment-sweep': { concurrency: 1 },
  // Deliveries wait on other people's servers (up to 15 s each): many at once, few CPU cycles.
  'webhook-delivery': {
    concurrency: 20,
    // The worker renews the lock while an attempt runs; short, so a killed worker's delivery is
    // taken up again within seconds (its attempt may then be sent twice: receivers dedupe on id).
    lockDuration: 15_000,
    stalledInterval: 5_000,
    maxStalledCount: 3,
    settings: { backoffStrategy: webhookBackoffStrategy },
  },
  'webhook-outbox': { concurrency: 1 },
  // Sends are short HTTP calls; the sweep claims rows in the database, so overlap is harmless.
  ledger: { concurrency: 5, lockDuration: 30_000, stalledInterval: 10_000, maxStalledCount: 1 },
};

/** How often the stats changes are folded into the aggregates (a few thousand rows at most under load). */
export const STATS_ROLL_UP_EVERY_MS = 5_000;

export interface Schedule {
  /** The BullMQ job scheduler's id: one schedule shared by every worker process. */
  id: string;
  job: JobName;
  everyMs: (config: AppConfig) => number;
  opts: JobsOptions;
  /** Off: no scheduler is kept (and one left from an earlier start is not renewed). */
  enabled?: (config: AppConfig) => boolean;
}

export const SCHEDULES: readonly Schedule[] = [
  // A changed RECONCILE_INTERVAL_S replaces the old schedule (upserting is idempotent).
  { id: 'reconcile-sweep', job: JOBS.reconcileSweep, everyMs: (config) => config.payments.reconcileIntervalS * 1000, opts: KEEP_FEW },
  // At least every 10 s: an owed push or a stored callback must not wait long.
  { id: 'payment-sweep', job: JOBS.paymentSweep, everyMs: (config) => Math.min(10, config.payments.reconcileIntervalS) * 1000, opts: KEEP_FEW },
  // Keeps payment_stats_changes short: the stats read it whole on every request.
  { id: 'payment-stats-roll-up', job: JOBS.statsRollUp, everyMs: () => STATS_ROLL_UP_EVERY_MS, opts: KEEP_FEW },
  { id: 'webhook-fan-out', job: JOBS.webhookFanOut, everyMs: (config) => config.webhooks.fanOutIntervalMs, opts: KEEP_FEW },
  { id: 'webhook-sweep', job: JOBS.webhookSweep, everyMs: (config) => Math.min(30_000, (config.webhooks.republishAfterS * 1000) / 4), opts: KEEP_FEW },
  // Owed sends, results to apply (one that came before its acknowledgement too), results overdue.
  { id: 'ledger-requests-sweep', job: JOBS.ledgerRequestsSweep, everyMs: (config) => Math.min(5, config.mpesa.ledgerResultWaitS) * 1000, opts: KEEP_FEW },
  // MPESA_LEDGER_PULL: M-Pesa's own ledger read for an overlapping window.
  { id: 'ledger-pull-sweep', job: JOBS.ledgerPullSweep, everyMs: (config) => config.mpesa.ledgerPullIntervalS * 1000, opts: KEEP_FEW, enabled: (config) => config.mpesa.ledgerPull },
];
