// The worker: BullMQ processors and schedulers. Processors are providers of this module only.
import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../common/idempotency/idempotency.module';
import { PaymentsWorkerModule } from '../payments/payments-worker.module';
import { MetricsModule } from '../observability/metrics/metrics.module';
import { CoreModule } from './core.module';

@Module({ imports: [CoreModule, MetricsModule, IdempotencyModule, PaymentsWorkerModule] })
export class WorkerModule {}
