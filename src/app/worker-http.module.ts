// The worker role's own small HTTP face: health (with its queues) and metrics, nothing else.
import { Module } from '@nestjs/common';
import { HealthModule } from '../observability/health.module';
import { WorkerModule } from './worker.module';

@Module({ imports: [WorkerModule, HealthModule] })
export class WorkerHttpModule {}
