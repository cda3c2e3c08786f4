// One BullMQ processor per catalogue queue, each with the catalogue's worker options. They hold no
// logic: every job goes to its @JobHandler through the registry, so a queue's jobs can live in
// whichever domain's worker module owns them.
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobHandlerRegistry } from './job-handler.registry';
import { ALL_QUEUES, QueueName, WORKER_OPTIONS } from './queue-catalogue';

export abstract class QueueProcessor extends WorkerHost {
  abstract readonly queueName: QueueName;
}

function processorFor(queue: QueueName): Type<QueueProcessor> {
  @Processor(queue, WORKER_OPTIONS[queue])
  class CatalogueQueueProcessor extends QueueProcessor {
    readonly queueName = queue;

    constructor(private readonly handlers: JobHandlerRegistry) {
      super();
    }

    process(job: Job): Promise<unknown> {
      return this.handlers.run(job);
    }
  }
  // Distinct names for Nest's container and for logs.
  Object.defineProperty(CatalogueQueueProcessor, 'name', { value: `${queue.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}Processor` });
  return CatalogueQueueProcessor;
}

export const QUEUE_PROCESSORS: readonly Type<QueueProcessor>[] = ALL_QUEUES.map(processorFor);
