// Readiness of this process's BullMQ workers: each must be running (connected, not closing).
// Cheap: it reads in-process state, no Redis round trip beyond the PING the Redis check makes.
import type { FactoryProvider } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { QueueHealthCheck } from '../observability/queue-health-check';
import { QUEUE_PROCESSORS, QueueProcessor } from './queue-processors';

export class QueueWorkersHealthIndicator implements QueueHealthCheck {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly processors: readonly QueueProcessor[],
  ) {}

  isHealthy(key: string) {
    const indicator = this.health.check(key);
    const queues = Object.fromEntries(
      this.processors.map((processor) => {
        const worker = processor.worker;
        return [processor.queueName, worker && worker.isRunning() && !worker.closing ? 'running' : 'stopped'];
      }),
    );
    return Object.values(queues).every((state) => state === 'running') ? indicator.up(queues) : indicator.down(queues);
  }
}

/** Nest provider of the QueueHealthCheck over every catalogue queue's processor. */
export const queueWorkersHealthProvider: FactoryProvider<QueueHealthCheck> = {
  provide: QueueHealthCheck,
  inject: [HealthIndicatorService, ...QUEUE_PROCESSORS],
  useFactory: (health: HealthIndicatorService, ...processors: QueueProcessor[]) => new QueueWorkersHealthIndicator(health, processors),
};
