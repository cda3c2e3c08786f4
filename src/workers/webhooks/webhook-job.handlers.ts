// The webhook jobs of the queue catalogue: a round's first attempts at one endpoint, one delivery's
// attempts, the fan-out round, the sweep.
import { Injectable } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { JobHandler } from '../../queues/job-handler.registry';
import { DeliverWebhookBatchJob, DeliverWebhookJob, JOBS, webhookRetryDelayMs } from '../../queues/queue-catalogue';
import { WebhookDeliverer } from '../../webhooks/webhook-deliverer.service';
import { WebhookOutbox } from '../../webhooks/webhook-outbox.service';

@Injectable()
export class WebhookJobHandlers {
  constructor(
    private readonly deliverer: WebhookDeliverer,
    private readonly outbox: WebhookOutbox,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @JobHandler(JOBS.deliverWebhook)
  async deliver(job: Job<DeliverWebhookJob>) {
    const manual = job.data.manual === true;
    // attemptsMade counts this job's finished attempts; the offset those of an earlier job.
    const attemptNumber = job.attemptsMade + 1 + (job.data.attemptOffset ?? 0);
    const outcome = await this.deliverer.deliver(job.data.deliveryId, {
      manual,
      last: !manual && job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      retryDelayMs: webhookRetryDelayMs(attemptNumber, this.config.webhooks.retryUnitMs),
    });
    if (outcome === 'busy') {
      // Not an attempt: back in a second or so, without using one of the job's attempts.
      await job.moveToDelayed(Date.now() + 500 + Math.floor(Math.random() * 1000), job.token);
      throw new DelayedError();
    }
    // Let BullMQ see it: a retry gets the schedule's backoff, the last failure fails the job.
    if (outcome === 'retry') throw new Error(`delivery ${job.data.deliveryId} attempt ${attemptNumber} failed`);
    if (outcome === 'failed' && !manual) throw new UnrecoverableError(`delivery ${job.data.deliveryId} failed after ${attemptNumber} attempts`);
    return outcome;
  }

  @JobHandler(JOBS.deliverWebhookBatch)
  async deliverBatch(job: Job<DeliverWebhookBatchJob>) {
    const outcome = await this.deliverer.deliverBatch(job.data.endpointId, job.data.deliveryIds, job.id ?? job.data.deliveryIds[0]);
    if (outcome === 'busy') {
      // The endpoint's slots are all taken: back in a second or so, not using one of the job's attempts.
      await job.moveToDelayed(Date.now() + 500 + Math.floor(Math.random() * 1000), job.token);
      throw new DelayedError();
    }
    if (outcome === 'held') {
      // The payment path is busy: the rest of the batch waits (at most HOLD_AT_MOST_MS after its change).
      await job.moveToDelayed(Date.now() + 1000 + Math.floor(Math.random() * 500), job.token);
      throw new DelayedError();
    }
    return outcome;
  }

  @JobHandler(JOBS.webhookFanOut)
  fanOut() {
    return this.outbox.fanOut();
  }

  @JobHandler(JOBS.webhookSweep)
  sweep() {
    return this.outbox.sweep();
  }
}
