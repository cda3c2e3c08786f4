// Prometheus metrics for either process: the /metrics route, default process metrics, queue depths
// and the payment metrics facade.
import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { QueuesModule } from '../../queues/queues.module';
import { MetricsController } from './metrics.controller';
import { PAYMENT_METRIC_PROVIDERS, PaymentMetrics } from './payment-metrics';
import { queueDepthProvider } from './queue-depth.metric';

// Once per process: a second Nest app in the same process (tests) must not register them again.
if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();

// Global like logging: any provider of any domain may count something.
@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: false } }), QueuesModule],
  providers: [...PAYMENT_METRIC_PROVIDERS, queueDepthProvider, PaymentMetrics],
  exports: [PaymentMetrics],
})
export class MetricsModule {}
