// Readiness of this process's BullMQ workers: each must be running (connected, not closing).
// Cheap: it reads in-process state, no Redis round trip beyond the PING the Redis check makes.
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { WorkerHost } from '@nestjs/bullmq';
import { QueueHealthCheck } from '../../observability/queue-health-check';
import { PaymentSweepProcessor } from './payment-sweep.processor';
import { ReconcileProcessor } from './reconcile.processor';
import { StkPushProcessor } from './stk-push.processor';

@Injectable()
export class WorkerQueuesHealthIndicator implements QueueHealthCheck {
  private readonly processors: WorkerHost[];

  constructor(
    private readonly health: HealthIndicatorService,
    stkPush: StkPushProcessor,
    sweep: PaymentSweepProcessor,
    reconcile: ReconcileProcessor,
  ) {
    this.processors = [stkPush, sweep, reconcile];
  }

  isHealthy(key: string) {
    const indicator = this.health.check(key);
    const queues = Object.fromEntries(
      this.processors.map((processor) => {
        const worker = processor.worker;
        return [worker.name, worker.isRunning() && !worker.closing ? 'running' : 'stopped'];
      }),
    );
    return Object.values(queues).every((state) => state === 'running') ? indicator.up(queues) : indicator.down(queues);
  }
}
