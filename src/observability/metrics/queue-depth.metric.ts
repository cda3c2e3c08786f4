// Queue depths, read from Redis when Prometheus scrapes (not on a timer), for every queue.
import { getQueueToken } from '@nestjs/bullmq';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import type { Gauge } from 'prom-client';
import { ALL_QUEUES } from '../../queues/queue-catalogue';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

export const queueDepthProvider = makeGaugeProvider({
  name: 'bullmq_queue_jobs',
  help: 'Jobs in each BullMQ queue by state',
  labelNames: ['queue', 'state'],
  inject: ALL_QUEUES.map((name) => getQueueToken(name)),
  async collect(this: Gauge<'queue' | 'state'>, ...queues: Queue[]) {
    await Promise.all(
      queues.map(async (queue) => {
        try {
          const counts = await queue.getJobCounts(...STATES);
          for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          // Redis away: keep the last values rather than fail the whole scrape.
        }
      }),
    );
  },
});
