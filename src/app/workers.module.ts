// The queue workers: BullMQ processors and schedulers, one module per domain. Only the worker and
// all roots import it; an API process only produces into the queues.
import { Module } from '@nestjs/common';
import { PaymentsWorkerModule } from '../payments/payments-worker.module';

@Module({ imports: [PaymentsWorkerModule] })
export class WorkersModule {}
