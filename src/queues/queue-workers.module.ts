// What makes a process a queue worker: one processor per catalogue queue, the handler registry they
// dispatch through (checked against the catalogue before any worker runs), the schedules, and the
// readiness check of the workers. Imported by the worker and all roots only.
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { QueueHealthCheck } from '../observability/queue-health-check';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobSchedules } from './job-schedules.service';
import { QUEUE_PROCESSORS } from './queue-processors';
import { queueWorkersHealthProvider } from './queue-workers.health';
import { QueuesModule } from './queues.module';

@Module({
  imports: [DiscoveryModule, TerminusModule, QueuesModule],
  providers: [JobHandlerRegistry, JobSchedules, ...QUEUE_PROCESSORS, queueWorkersHealthProvider],
  exports: [QueueHealthCheck],
})
export class QueueWorkersModule {}
