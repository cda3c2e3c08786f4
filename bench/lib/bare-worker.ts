// The push pipeline's ceiling: a BullMQ worker that does nothing, in its own process like the
// service's worker, on the same Redis, with the same concurrency and the same job options.
// Started with fork(); told {queue, prefix, n, concurrency}; answers {ready} then {done}.
import { Worker } from 'bullmq';
import { redisOptionsFromUrl } from '../../src/queues/redis-connection';

interface Start {
  queue: string;
  prefix: string;
  redisUrl: string;
  n: number;
  concurrency: number;
}

process.once('message', (start: Start) => {
  let completed = 0;
  const worker = new Worker(start.queue, async () => undefined, {
    connection: redisOptionsFromUrl(start.redisUrl),
    prefix: start.prefix,
    concurrency: start.concurrency,
  });
  worker.on('completed', () => {
    completed++;
    if (completed === start.n) process.send!({ done: completed });
  });
  void worker.waitUntilReady().then(() => process.send!({ ready: true }));
  process.once('disconnect', () => {
    void worker.close().finally(() => process.exit(0));
  });
  // Never outlive the benchmark.
  setTimeout(() => process.exit(1), 30 * 60_000).unref();
});
