// Prometheus metrics for either process: the /metrics route, default process metrics, queue depths
// and the payment metrics facade.
import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { QueuesModule } from '../../queues/queues.module';
import { MetricsController } from './metrics.controller';
import { PAYMENT_METRIC_PROVIDERS, PaymentMetrics } from './payment-metrics';
import { queueDepthProvider } from './queue-depth.metric';
import { WEBHOOK_METRIC_PROVIDERS, WebhookMetrics } from './webhook-metrics';

// Once per process: a second Nest app in the same process (tests) must not register them again.
if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();

// Global like logging: any provider of any domain may count something.
@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: false } }), QueuesModule],
  providers: [...PAYMENT_METRIC_PROVIDERS, ...WEBHOOK_METRIC_PROVIDERS, queueDepthProvider, PaymentMetrics, WebhookMetrics],
  exports: [PaymentMetrics, WebhookMetrics],
})
export class MetricsModule {}
