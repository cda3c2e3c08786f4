// JobSchedulerKeeper on a real Redis and BullMQ: a scheduler that is present but has lost the job
// that is its next run (nothing would ever run it again) is scheduled again; one whose next run is
// there is left alone.
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { redisOptionsFromUrl } from '../src/queues/redis-connection';
import { JobSchedulerKeeper } from '../src/queues/job-scheduler-keeper';
import { testRedisPrefix } from './support/test-database';
import { TEST_REDIS_URL } from './support/test-env';

describe('JobSchedulerKeeper on Redis', () => {
  let queue: Queue;
  const logger = new Logger('test');
  const prefix = testRedisPrefix();
  const key = (part: string) => `${prefix}:keeper-test:${part}`;

  beforeAll(() => {
    queue = new Queue('keeper-test', { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  });

  it('schedules the next run again when Redis lost it, and leaves a healthy scheduler alone', async () => {
    const keeper = new JobSchedulerKeeper(queue, 'tick', { every: 60_000 }, { name: 'tick', data: {}, opts: {} }, logger, 3_600_000);
    await keeper.check(); // creates it (no worker takes its runs here)
    const scheduler = await queue.getJobScheduler('tick');
    expect(scheduler?.next).toEqual(expect.any(Number));
    const nextJobId = `repeat:tick:${scheduler!.next}`;
    expect(await queue.getJob(nextJobId)).toBeDefined();
    expect(await keeper.check()).toBe(false);

    // Lost: the scheduler is still listed, its next run is not (BullMQ refuses to remove a scheduler's
    // job, so the keys go as a partial loss of Redis's data would take them).
    const client = new Redis(TEST_REDIS_URL);
    try {
      await client.del(key(nextJobId));
      for (const list of ['wait', 'paused']) await client.lrem(key(list), 0, nextJobId);
      for (const set of ['delayed', 'prioritized']) await client.zrem(key(set), nextJobId);
    } finally {
      client.disconnect();
    }
    expect(await queue.getJob(nextJobId)).toBeUndefined();
    expect(await queue.getJobScheduler('tick')).toBeDefined();
    expect(await keeper.check()).toBe(true);
    const again = await queue.getJobScheduler('tick');
    expect(await queue.getJob(`repeat:tick:${again!.next}`)).toBeDefined();
    expect(await keeper.check()).toBe(false);
    keeper.stop();
  });
});
