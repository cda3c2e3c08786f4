// Runs the sweeper on a BullMQ job scheduler: one schedule shared by every worker process, each
// run handled by one of them.
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { JobSchedulerKeeper } from '../../queues/job-scheduler-keeper';
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
export class PaymentSweepScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentSweepScheduler.name);
  private keeper: JobSchedulerKeeper | null = null;

  constructor(
    @InjectQueue(QUEUES.sweep) private readonly queue: Queue,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Upserting is idempotent: every worker process may do it at start-up.
    const every = Math.min(10, this.config.payments.reconcileIntervalS) * 1000;
    // Kept in place afterwards: a Redis restarted without its data comes back without it.
    this.keeper = new JobSchedulerKeeper(this.queue, SWEEP_SCHEDULER_ID, { every }, { name: JOBS.paymentSweep, data: {}, opts: { removeOnComplete: 100, removeOnFail: 1000 } }, this.logger);
    await this.keeper.start();
  }

  onApplicationShutdown(): void {
    this.keeper?.stop();
  }
}
