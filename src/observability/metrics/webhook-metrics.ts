// Webhook delivery metrics: one count per attempt by outcome, and how long each attempt took.
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const WEBHOOK_METRIC = {
  deliveries: 'webhook_deliveries_total',
  duration: 'webhook_delivery_duration_seconds',
} as const;

/** `succeeded`, `retrying` (failed, another attempt due), `failed` (the last), `refused` (address rules). */
export type WebhookAttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'refused';

export const WEBHOOK_METRIC_PROVIDERS = [
  makeCounterProvider({ name: WEBHOOK_METRIC.deliveries, help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'] }),
  makeHistogramProvider({
    name: WEBHOOK_METRIC.duration,
    help: 'Time one webhook delivery attempt took, from connecting to the answer (or giving up)',
    labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15],
  }),
];

@Injectable()
export class WebhookMetrics {
  constructor(
    @InjectMetric(WEBHOOK_METRIC.deliveries) private readonly deliveries: Counter<'outcome'>,
    @InjectMetric(WEBHOOK_METRIC.duration) private readonly duration: Histogram<'outcome'>,
  ) {}

  attempt(outcome: WebhookAttemptOutcome, seconds: number): void {
    this.deliveries.inc({ outcome });
    this.duration.observe({ outcome }, seconds);
  }
}
