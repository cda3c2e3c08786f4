// Chooses what one process runs from the configuration: the API, the worker, or both (`all`),
// and mounts the Daraja simulator only in simulator mode.
import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { SimulatorModule } from '../mpesa/simulator/simulator.module';
import { ApiModule } from './api.module';
import { WorkerModule } from './worker.module';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    if (config.processRole === 'worker') throw new Error('The worker role runs without HTTP: use WorkerModule');
    return {
      module: AppModule,
      imports: [
        ApiModule,
        ...(config.processRole === 'all' ? [WorkerModule] : []),
        // Not even registered outside simulator mode: no /simulator route exists there.
        ...(config.mpesa.env === 'simulator' ? [SimulatorModule] : []),
      ],
    };
  }
}
