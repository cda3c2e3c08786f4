// The worker: BullMQ processors and schedulers. Processors are providers of this module only.
import { Module } from '@nestjs/common';
import { CoreModule } from './core.module';

@Module({ imports: [CoreModule] })
export class WorkerModule {}
