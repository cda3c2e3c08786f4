// The queue workers: one processor per catalogue queue (QueueWorkersModule) and each domain's job
// handlers. Only the worker and all roots import it; an API process only produces into the queues.
import { Module } from '@nestjs/common';
import { LedgerWorkerModule } from '../workers/ledger/ledger-worker.module';
import { PaymentsWorkerModule } from '../workers/payments/payments-worker.module';
import { QueueWorkersModule } from '../queues/queue-workers.module';
import { WebhooksWorkerModule } from '../workers/webhooks/webhooks-worker.module';

@Module({ imports: [QueueWorkersModule, PaymentsWorkerModule, WebhooksWorkerModule, LedgerWorkerModule] })
export class WorkersModule {}
