// The root module for a process, chosen by its role: what a process serves is what its root imports.
import type { DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { AllModule } from './all.module';
import { ApiModule } from './api.module';
import { WorkerModule } from './worker.module';

export function rootModuleFor(config: AppConfig): DynamicModule {
  switch (config.processRole) {
    case 'api':
      return ApiModule.forConfig(config);
    case 'worker':
      return WorkerModule.forConfig(config);
    case 'all':
      return AllModule.forConfig(config);
  }
}
