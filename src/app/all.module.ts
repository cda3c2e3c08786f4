// Root of PROCESS_ROLE=all (npm start): the API's HTTP face and the queue workers in one process.
import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { HealthModule } from '../observability/health.module';
import { QueueWorkersModule } from '../queues/queue-workers.module';
import { ApiHttpModule } from './api-http.module';
import { CoreModule } from './core.module';
import { DomainModule } from './domain.module';
import { WorkersModule } from './workers.module';

@Module({})
export class AllModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AllModule,
      imports: [CoreModule.forConfig(config), DomainModule, ApiHttpModule.forConfig(config), WorkersModule, HealthModule.forRoot(QueueWorkersModule)],
    };
  }
}
