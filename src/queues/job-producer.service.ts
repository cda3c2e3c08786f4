// The one place jobs are published. Each job goes to the queue the catalogue gives it, with the
// catalogue's payload type. A publish that Redis does not take in time fails rather than hanging:
// BullMQ queues commands while Redis is away, and a request must not wait out an outage (every
// publisher here has a durable record that lets a sweeper publish again).
import { getQueueToken } from '@nestjs/bullmq';
import type { FactoryProvider } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { ALL_QUEUES, JOB_QUEUE, JobName, JobPayloads, QueueName } from './queue-catalogue';

/** How long a publish waits for Redis to take the job. */
export const PUBLISH_TIMEOUT_MS = 1000;

export class JobProducer {
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  /** One Queue per catalogue queue, in ALL_QUEUES order. */
  constructor(queues: readonly Queue[]) {
    this.queues = new Map(ALL_QUEUES.map((name, i) => [name, queues[i]]));
  }

  allQueues(): Queue[] {
    return [...this.queues.values()];
  }

  queueFor(job: JobName): Queue {
    return this.queues.get(JOB_QUEUE[job])!;
  }

  /** Throws when Redis refuses the job or does not take it within PUBLISH_TIMEOUT_MS. */
  async publish<J extends JobName>(job: J, data: JobPayloads[J], options: JobsOptions): Promise<void> {
    await withinPublishTimeout(this.queueFor(job).add(job, data, options), 'the job');
  }

  /**
   * Several jobs of one kind in one round trip (a MULTI): all are taken or, on a throw, perhaps
   * some; callers publish again what they cannot tell was taken (job ids make that harmless).
   */
  async publishBulk<J extends JobName>(job: J, jobs: readonly { data: JobPayloads[J]; options: JobsOptions }[]): Promise<void> {
    if (jobs.length === 0) return;
    await withinPublishTimeout(this.queueFor(job).addBulk(jobs.map((j) => ({ name: job, data: j.data, opts: j.options }))), `${jobs.length} jobs`);
  }

  /**
   * Removes a finished job of that id, so publishing it again is not a no-op. Returns false when a
   * job of that id is still waiting, delayed or running: it need not be published again.
   */
  async clearFinished(job: JobName, jobId: string): Promise<boolean> {
    const existing = await this.queueFor(job).getJob(jobId);
    if (!existing) return true;
    const state = await existing.getState();
    if (state !== 'completed' && state !== 'failed') return false;
    await existing.remove();
    return true;
  }
}

async function withinPublishTimeout(added: Promise<unknown>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  added.catch(() => undefined); // a late failure after the timeout below has nobody to tell
  try {
    await Promise.race([
      added,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not take ${what} within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Nest provider: the producer over every registered catalogue queue. */
export const jobProducerProvider: FactoryProvider<JobProducer> = {
  provide: JobProducer,
  inject: ALL_QUEUES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]) => {
    // Heard from the first moment: an 'error' nobody listens to is printed by BullMQ as a raw stack
    // trace. RedisOutageReporter reports them once it is set up.
    for (const queue of queues) queue.on('error', () => undefined);
    return new JobProducer(queues);
  },
};
