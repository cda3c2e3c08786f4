import type { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobSchedulerKeeper } from './job-scheduler-keeper';

function fakeQueue() {
  const schedulers = new Map<string, object>();
  let failing = false;
  const queue = {
    upsertJobScheduler: jest.fn(async (id: string, repeat: object) => {
      if (failing) throw new Error('Connection is closed.');
      schedulers.set(id, repeat);
    }),
    getJobScheduler: jest.fn(async (id: string) => {
      if (failing) throw new Error('Connection is closed.');
      return schedulers.get(id);
    }),
    // No `next` in these fakes: the next-run check is test/job-scheduler-keeper.e2e-spec.ts's, on real Redis.
    getJob: jest.fn(async () => ({})),
  };
  return { queue, schedulers, setFailing: (f: boolean) => (failing = f) };
}

describe('JobSchedulerKeeper', () => {
  const logger = { warn: jest.fn() } as unknown as Logger;
  const template = { name: 'tick', data: {}, opts: {} };

  it('creates the scheduler at start, and again when Redis lost it', async () => {
    const { queue, schedulers } = fakeQueue();
    const keeper = new JobSchedulerKeeper(queue as unknown as Queue, 'tick', { every: 1000 }, template, logger, 60_000);
    await keeper.start();
    expect(schedulers.has('tick')).toBe(true);
    expect(await keeper.check()).toBe(false); // present: nothing to do
    schedulers.clear(); // Redis restarted empty
    expect(await keeper.check()).toBe(true);
    expect(schedulers.get('tick')).toEqual({ every: 1000 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    keeper.stop();
  });

  it('waits for the next check while Redis is away', async () => {
    const { queue, schedulers, setFailing } = fakeQueue();
    const keeper = new JobSchedulerKeeper(queue as unknown as Queue, 'tick', { every: 1000 }, template, logger, 60_000);
    await keeper.start();
    schedulers.clear();
    setFailing(true);
    expect(await keeper.check()).toBe(false);
    setFailing(false);
    expect(await keeper.check()).toBe(true);
    keeper.stop();
  });

  it('starts without waiting on a Redis that does not answer (a worker starting during an outage)', async () => {
    const { queue, schedulers } = fakeQueue();
    let answer: () => void = () => undefined;
    queue.upsertJobScheduler.mockImplementationOnce(() => new Promise<void>((resolve) => (answer = resolve)));
    const keeper = new JobSchedulerKeeper(queue as unknown as Queue, 'tick', { every: 1000 }, template, logger, 60_000);
    expect(keeper.start()).toBeUndefined();
    expect(schedulers.has('tick')).toBe(false);
    // Redis answers: the next check finds no scheduler and creates it.
    answer();
    expect(await keeper.check()).toBe(true);
    expect(schedulers.has('tick')).toBe(true);
    keeper.stop();
  });
});
