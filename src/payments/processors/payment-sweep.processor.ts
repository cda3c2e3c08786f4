// Runs the sweeper on a BullMQ job scheduler: one schedule shared by every worker process, each
// run handled by one of them.
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { JOBS, QUEUES } from '../../queues/queue-catalogue';
import { PaymentSweeper } from './payment-sweeper.service';

export const SWEEP_SCHEDULER_ID = 'payment-sweep';

@Processor(QUEUES.sweep, { concurrency: 1 })
export class PaymentSweepProcessor extends WorkerHost {
  constructor(private readonly sweeper: PaymentSweeper) {
    super();
  }

  async process(job: Job) {
    if (job.name !== JOBS.paymentSweep) throw new Error(`unknown job ${job.name}`);
    return this.sweeper.sweep();
  }
}

@Injectable()
export class PaymentSweepScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QUEUES.sweep) private readonly queue: Queue,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Upserting is idempotent: every worker process may do it at start-up.
    const every = Math.min(10, this.config.payments.reconcileIntervalS) * 1000;
    await this.queue.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every }, { name: JOBS.paymentSweep, data: {}, opts: { removeOnComplete: 100, removeOnFail: 1000 } });
  }
}
