// A scheduled run (a job a BullMQ job scheduler made: a sweep, a reconciliation round) that fails
// leaves only a `failed` job in Redis: BullMQ logs nothing, and the schedule simply runs it again.
// A sweep failing on every run looked exactly like a queue that had stopped (the fault run's ledger
// sweep, which failed on one ledger row for minutes while its job scheduler kept running). So each
// failure is logged, one line per schedule at most every REPORT_EVERY_MS, with how many runs
// failed since the last line: quiet during an outage (Postgres away fails every run of every
// sweep), never silent.
import type { Logger } from '@nestjs/common';

export const SCHEDULED_FAILURE_REPORT_EVERY_MS = 60_000;

export interface FailedRun {
  /** the job's name (the schedule's job) */
  name: string;
  /** the job scheduler's id; a job no scheduler made is not reported here */
  repeatJobKey?: string;
}

export class ScheduledRunFailures {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly everyMs = SCHEDULED_FAILURE_REPORT_EVERY_MS,
  ) {}

  /** Returns whether a line was written. */
  report(job: FailedRun | undefined, error: Error, now = Date.now()): boolean {
    if (!job?.repeatJobKey) return false;
    const key = job.repeatJobKey;
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.everyMs) {
      seen.suppressed++;
      return false;
    }
    const more = seen?.suppressed ? ` (${seen.suppressed} more failed runs of it since the last report)` : '';
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger.warn(`Scheduled run of ${job.name} (job scheduler ${key}) failed: ${error.message}${more}; the schedule runs it again`);
    return true;
  }
}
