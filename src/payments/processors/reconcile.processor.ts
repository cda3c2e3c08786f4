// Runs reconciliation rounds on a BullMQ job scheduler: one schedule shared by every worker process,
// each round handled by one of them (rounds that overlap are kept apart by the claim in the database).
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { JobSchedulerKeeper } from '../../queues/job-scheduler-keeper';
import { JOBS, QUEUES } from '../../queues/queue-catalogue';
import { ReconciliationService } from './reconciliation.service';

export const RECONCILE_SCHEDULER_ID = 'reconcile-sweep';

@Processor(QUEUES.reconcile, { concurrency: 1 })
export class ReconcileProcessor extends WorkerHost {
  constructor(private readonly reconciliation: ReconciliationService) {
    super();
  }

  async process(job: Job) {
    if (job.name !== JOBS.reconcileSweep) throw new Error(`unknown job ${job.name}`);
    return this.reconciliation.run();
  }
}

@Injectable()
export class ReconcileScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcileScheduler.name);
  private keeper: JobSchedulerKeeper | null = null;

  constructor(
    @InjectQueue(QUEUES.reconcile) private readonly queue: Queue,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Upserting is idempotent: every worker process may do it at start-up, and a changed
    // RECONCILE_INTERVAL_S replaces the old schedule.
    const every = this.config.payments.reconcileIntervalS * 1000;
    // Kept in place afterwards: a Redis restarted without its data comes back without it.
    this.keeper = new JobSchedulerKeeper(this.queue, RECONCILE_SCHEDULER_ID, { every }, { name: JOBS.reconcileSweep, data: {}, opts: { removeOnComplete: 100, removeOnFail: 1000 } }, this.logger);
    await this.keeper.start();
  }

  onApplicationShutdown(): void {
    this.keeper?.stop();
  }
}
