// The catalogue's schedules, kept in place by every worker process (upserting is idempotent, and
// the keepers recreate a schedule that a Redis restart without its data lost).
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { JobProducer } from './job-producer.service';
import { JobSchedulerKeeper } from './job-scheduler-keeper';
import { SCHEDULES } from './queue-catalogue';

@Injectable()
export class JobSchedules implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobSchedules.name);
  private keepers: JobSchedulerKeeper[] = [];

  constructor(
    private readonly producer: JobProducer,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.keepers = SCHEDULES.filter((s) => s.enabled?.(this.config) ?? true).map(
      (s) => new JobSchedulerKeeper(this.producer.queueFor(s.job), s.id, { every: s.everyMs(this.config) }, { name: s.job, data: {}, opts: s.opts }, this.logger),
    );
    for (const keeper of this.keepers) keeper.start();
  }

  onApplicationShutdown(): void {
    for (const keeper of this.keepers) keeper.stop();
  }
}
