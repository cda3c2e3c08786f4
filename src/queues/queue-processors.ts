// One BullMQ processor per catalogue queue, each with the catalogue's worker options. They hold no
// logic: every job goes to its @JobHandler through the registry, so a queue's jobs can live in
// whichever domain's worker module owns them.
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger, Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobHandlerRegistry } from './job-handler.registry';
import { dropConnection, RedisOutageReporter } from './redis-outage.reporter';
import { ALL_QUEUES, QueueName, WORKER_OPTIONS } from './queue-catalogue';
import { ScheduledRunFailures } from './scheduled-run-failures';

export abstract class QueueProcessor extends WorkerHost implements BeforeApplicationShutdown {
  abstract readonly queueName: QueueName;
  abstract beforeApplicationShutdown(): Promise<void>;
}

function processorFor(queue: QueueName): Type<QueueProcessor> {
  @Processor(queue, WORKER_OPTIONS[queue])
  class CatalogueQueueProcessor extends QueueProcessor {
    readonly queueName = queue;
    private readonly scheduledFailures = new ScheduledRunFailures(new Logger(`Queue ${queue}`));

    constructor(
      private readonly handlers: JobHandlerRegistry,
      private readonly redisOutage: RedisOutageReporter,
    ) {
      super();
    }

    process(job: Job): Promise<unknown> {
      return this.handlers.run(job);
    }

    /** Stopping while Redis is away: see RedisOutageReporter.beforeApplicationShutdown. */
    async beforeApplicationShutdown(): Promise<void> {
      if (this.worker && !(await this.redisOutage.answersNow())) await dropConnection(this.worker);
    }

    /** A scheduled run that failed: BullMQ keeps only the failed job; the log says so (see ScheduledRunFailures). */
    @OnWorkerEvent('failed')
    onFailed(job: Job | undefined, error: Error): void {
      this.scheduledFailures.report(job, error);
    }

    /** Connection errors while Redis is away: reported once in a while, not printed each time. */
    @OnWorkerEvent('error')
    onError(error: Error): void {
      this.redisOutage.report(error);
    }
  }
  // Distinct names for Nest's container and for logs.
  Object.defineProperty(CatalogueQueueProcessor, 'name', { value: `${queue.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}Processor` });
  return CatalogueQueueProcessor;
}

export const QUEUE_PROCESSORS: readonly Type<QueueProcessor>[] = ALL_QUEUES.map(processorFor);
