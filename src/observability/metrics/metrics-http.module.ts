// GET /metrics, for every HTTP face (the API's and a worker's): this process's metrics.
import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { MetricsController } from './metrics.controller';
import { MetricsModule } from './metrics.module';

@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: false } }), MetricsModule],
})
export class MetricsHttpModule {}
