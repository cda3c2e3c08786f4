// Keeps a BullMQ job scheduler in place. Upserting at start-up is not enough: a Redis that restarts
// without persistence (or fails over to an empty replica) comes back without the scheduler, and
// nothing would run the reconciliation rounds or sweeps again until a worker restarted. So every
// worker checks now and then that the scheduler exists and creates it again when it is gone.
import type { Logger } from '@nestjs/common';
import type { JobSchedulerTemplateOptions, Queue, RepeatOptions } from 'bullmq';

/** How often the scheduler's presence is checked: one small Redis read per worker process. */
export const SCHEDULER_CHECK_MS = 5_000;

export interface SchedulerTemplate {
  name: string;
  data: object;
  opts: JobSchedulerTemplateOptions;
}

export class JobSchedulerKeeper {
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly queue: Queue,
    private readonly id: string,
    private readonly repeat: Omit<RepeatOptions, 'key'>,
    private readonly template: SchedulerTemplate,
    private readonly logger: Logger,
    private readonly checkEveryMs = SCHEDULER_CHECK_MS,
  ) {}

  /**
   * Starts watching the scheduler, then upserts it (idempotent: every worker does it). Never waits
   * on Redis: while Redis is away the upsert waits in BullMQ's queue, and the checks create the
   * scheduler once Redis answers, so a worker starting during an outage still starts.
   */
  start(): void {
    this.timer = setInterval(() => void this.check(), this.checkEveryMs);
    this.timer.unref();
    this.upsert().catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Creates the scheduler again if Redis lost it, or lost the job that is its next run: BullMQ adds
   * each run's successor only as that run starts, so a scheduler whose next job is gone (a Redis
   * restart that kept some keys and not others; seen in the fault run with LEDGER_PULL_INTERVAL_S=60)
   * would never run again though it looks present. Errors (Redis away) wait for the next check.
   */
  async check(): Promise<boolean> {
    if (this.checking) return false;
    this.checking = true;
    try {
      const scheduler = await this.queue.getJobScheduler(this.id);
      if (scheduler && (scheduler.next === undefined || (await this.queue.getJob(`repeat:${this.id}:${scheduler.next}`)))) return false;
      await this.upsert();
      this.logger.warn(
        scheduler
          ? `Job scheduler ${this.id} had lost its next run in Redis; scheduled it again`
          : `Job scheduler ${this.id} was missing from Redis (restarted without its data?); created it again`,
      );
      return true;
    } catch {
      return false;
    } finally {
      this.checking = false;
    }
  }

  private async upsert(): Promise<void> {
    await this.queue.upsertJobScheduler(this.id, this.repeat, this.template);
  }
}
