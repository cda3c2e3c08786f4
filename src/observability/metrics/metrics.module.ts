// The service's Prometheus metrics (payment metrics facade, queue depths, default process metrics),
// for the modules that count something. The /metrics route is MetricsHttpModule's.
import { Module } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { QueuesModule } from '../../queues/queues.module';
import { PAYMENT_METRIC_PROVIDERS, PaymentMetrics } from './payment-metrics';
import { queueDepthProvider } from './queue-depth.metric';
import { WEBHOOK_METRIC_PROVIDERS, WebhookMetrics } from './webhook-metrics';

// Once per process: a second Nest app in the same process (tests) must not register them again.
if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();

@Module({
  imports: [QueuesModule],
  providers: [...PAYMENT_METRIC_PROVIDERS, ...WEBHOOK_METRIC_PROVIDERS, queueDepthProvider, PaymentMetrics, WebhookMetrics],
  exports: [PaymentMetrics, WebhookMetrics],
})
export class MetricsModule {}
