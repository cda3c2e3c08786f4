// Chooses what one process runs from PROCESS_ROLE: the API, the worker, or both (`all`).
import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../config/environment-variables';
import { ApiModule } from './api.module';
import { WorkerModule } from './worker.module';

@Module({})
export class AppModule {
  static forRole(role: Exclude<ProcessRole, 'worker'>): DynamicModule {
    return { module: AppModule, imports: role === 'all' ? [ApiModule, WorkerModule] : [ApiModule] };
  }
}
