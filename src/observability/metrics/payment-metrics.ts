// The service's own Prometheus metrics, behind one small facade so callers never deal with label
// names or metric objects. Metrics are per process; scrape each API and worker process.
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const METRIC = {
  transitions: 'payment_transitions_total',
  pushLatency: 'stk_push_duration_seconds',
  darajaErrors: 'daraja_errors_total',
  callbacksReceived: 'mpesa_callbacks_received_total',
  callbacksProcessed: 'mpesa_callbacks_processed_total',
  reconciliation: 'reconciliation_outcomes_total',
} as const;

export const PAYMENT_METRIC_PROVIDERS = [
  makeCounterProvider({ name: METRIC.transitions, help: 'Payment status changes', labelNames: ['from', 'to', 'source'] }),
  makeHistogramProvider({
    name: METRIC.pushLatency,
    help: 'Time from sending an STK push to Daraja answering it (or giving up)',
    labelNames: ['outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
  }),
  makeCounterProvider({ name: METRIC.darajaErrors, help: 'Daraja errors by operation and class', labelNames: ['operation', 'class'] }),
  makeCounterProvider({ name: METRIC.callbacksReceived, help: 'Callback deliveries stored: new or duplicate', labelNames: ['delivery'] }),
  makeCounterProvider({ name: METRIC.callbacksProcessed, help: 'Stored callbacks processed, by resulting state', labelNames: ['state'] }),
  makeCounterProvider({ name: METRIC.reconciliation, help: 'Status query outcomes during reconciliation', labelNames: ['outcome'] }),
];

@Injectable()
export class PaymentMetrics {
  constructor(
    @InjectMetric(METRIC.transitions) private readonly transitions: Counter<'from' | 'to' | 'source'>,
    @InjectMetric(METRIC.pushLatency) private readonly pushLatency: Histogram<'outcome'>,
    @InjectMetric(METRIC.darajaErrors) private readonly darajaErrors: Counter<'operation' | 'class'>,
    @InjectMetric(METRIC.callbacksReceived) private readonly callbacksReceived: Counter<'delivery'>,
    @InjectMetric(METRIC.callbacksProcessed) private readonly callbacksProcessed: Counter<'state'>,
    @InjectMetric(METRIC.reconciliation) private readonly reconciliationOutcomes: Counter<'outcome'>,
  ) {}

  transition(from: string | null, to: string, source: string): void {
    this.transitions.inc({ from: from ?? 'none', to, source });
  }

  pushAnswered(seconds: number, outcome: string): void {
    this.pushLatency.observe({ outcome }, seconds);
  }

  darajaError(operation: 'push' | 'query', errorClass: string): void {
    this.darajaErrors.inc({ operation, class: errorClass });
  }

  callbackReceived(duplicate: boolean): void {
    this.callbacksReceived.inc({ delivery: duplicate ? 'duplicate' : 'new' });
  }

  callbackProcessed(state: string): void {
    this.callbacksProcessed.inc({ state });
  }

  reconciliation(outcome: string): void {
    this.reconciliationOutcomes.inc({ outcome });
  }
}
