// Root of PROCESS_ROLE=worker: the domain and the queue workers. Over HTTP (WORKER_HTTP_PORT) it
// serves only what its modules declare: /health/* and /metrics, nothing of the API.
import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_FILTER } from '@nestjs/core';
import { HttpErrorFilter } from '../common/http-error.filter';
import { MetricsHttpModule } from '../observability/metrics/metrics-http.module';
import { HealthModule } from '../observability/health.module';
import { QueueWorkersModule } from '../queues/queue-workers.module';
import { CoreModule } from './core.module';
import { DomainModule } from './domain.module';
import { WorkersModule } from './workers.module';

@Module({})
export class WorkerModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forConfig(config), DomainModule, WorkersModule, HealthModule.forRoot(QueueWorkersModule), MetricsHttpModule],
      // Unknown paths answer 404 in the contract's error shape, like the API's.
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
