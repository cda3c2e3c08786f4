// Root of PROCESS_ROLE=api: the domain and its HTTP face. Produces into the queues, runs no workers.
import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { HealthModule } from '../observability/health.module';
import { ApiHttpModule } from './api-http.module';
import { CoreModule } from './core.module';
import { DomainModule } from './domain.module';

@Module({})
export class ApiModule {
  static forConfig(config: AppConfig): DynamicModule {
    return { module: ApiModule, imports: [CoreModule.forConfig(config), DomainModule, ApiHttpModule.forConfig(config), HealthModule.forRoot()] };
  }
}
