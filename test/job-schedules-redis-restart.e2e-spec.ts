// Every scheduled queue of the catalogue keeps running across Redis restarts, one that loses every
// key and one that keeps them: BullMQ workers with the catalogue's own worker options, and the
// JobSchedulerKeeper each worker process runs, on a private Redis this test stops and starts. The
// fault run once saw the ledger sweep stop after its Redis restarts; the queue was not the cause
// (the sweeps ran and failed, see test/ledger/ledger-sweep-failed-row.e2e-spec.ts), and this keeps
// it that way: after each restart, every schedule runs again within a few intervals.
import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { JobSchedulerKeeper } from '../src/queues/job-scheduler-keeper';
import { JOB_QUEUE, QueueName, SCHEDULES, WORKER_OPTIONS } from '../src/queues/queue-catalogue';
import { redisOptionsFromUrl } from '../src/queues/redis-connection';
import { PrivateRedis } from './reliability/private-servers';
import { waitFor } from './support/wait-for';

const EVERY_MS = 1000;
const CHECK_MS = 1000;

describe('the scheduled queues across Redis restarts', () => {
  let redis: PrivateRedis;
  const queues = new Map<QueueName, Queue>();
  const workers: Worker[] = [];
  const keepers: JobSchedulerKeeper[] = [];
  /** the times each schedule's job ran */
  const runs = new Map<string, number[]>();
  // The keepers' warnings ("created it again") are expected here.
  const logger = new Logger('test');
  logger.warn = () => undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    const connection = redisOptionsFromUrl(redis.url);
    for (const schedule of SCHEDULES) {
      const name = JOB_QUEUE[schedule.job];
      if (!queues.has(name)) {
        const queue = new Queue(name, { connection, prefix: 'rp' });
        queue.on('error', () => undefined);
        queues.set(name, queue);
        const worker = new Worker(
          name,
          async (job) => {
            runs.set(job.name, [...(runs.get(job.name) ?? []), Date.now()]);
          },
          { connection, prefix: 'rp', ...WORKER_OPTIONS[name] },
        );
        worker.on('error', () => undefined);
        workers.push(worker);
      }
      keepers.push(new JobSchedulerKeeper(queues.get(name)!, schedule.id, { every: EVERY_MS }, { name: schedule.job, data: {}, opts: schedule.opts }, logger, CHECK_MS));
    }
    for (const keeper of keepers) keeper.start();
  });
  afterAll(async () => {
    for (const keeper of keepers) keeper.stop();
    await Promise.all(workers.map((w) => w.close(true)));
    await Promise.all([...queues.values()].map((q) => q.close()));
    redis?.destroySync();
  });

  /** Resolves once every schedule has run at least twice since `since`. */
  const everyScheduleRunsAgain = (since: number, what: string) =>
    waitFor(
      async () => SCHEDULES.every((s) => (runs.get(s.job) ?? []).filter((at) => at > since).length >= 2),
      `every schedule to run twice ${what}`,
      20_000,
      200,
    );

  it('runs every schedule before, after a restart that lost every key, and after one that kept them', async () => {
    await everyScheduleRunsAgain(0, 'at start');

    await redis.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    await everyScheduleRunsAgain(Date.now(), 'after Redis came back empty');

    await redis.stop({ keepData: true });
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    await everyScheduleRunsAgain(Date.now(), 'after Redis came back with its data');
  }, 90_000);
});
