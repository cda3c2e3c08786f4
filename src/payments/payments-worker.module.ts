// Payment processors and schedulers: providers of the worker only (roles worker and all).
import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../common/idempotency/idempotency.module';
import { TerminusModule } from '@nestjs/terminus';
import { MpesaModule } from '../mpesa/mpesa.module';
import { QueueHealthCheck } from '../observability/queue-health-check';
import { QueuesModule } from '../queues/queues.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { PaymentsModule } from './payments.module';
import { PaymentSweepProcessor, PaymentSweepScheduler } from './processors/payment-sweep.processor';
import { PaymentSweeper } from './processors/payment-sweeper.service';
import { ReconcileProcessor, ReconcileScheduler } from './processors/reconcile.processor';
import { ReconciliationService } from './processors/reconciliation.service';
import { StkPushProcessor } from './processors/stk-push.processor';
import { StkPushSender } from './processors/stk-push.sender';
import { WorkerQueuesHealthIndicator } from './processors/worker-queues.health';

@Module({
  imports: [PaymentsModule, ReferralsModule, MpesaModule, QueuesModule, IdempotencyModule, TerminusModule],
  providers: [
    StkPushSender,
    StkPushProcessor,
    PaymentSweeper,
    PaymentSweepProcessor,
    PaymentSweepScheduler,
    ReconciliationService,
    ReconcileProcessor,
    ReconcileScheduler,
    { provide: QueueHealthCheck, useClass: WorkerQueuesHealthIndicator },
  ],
  // For HealthModule.forRoot(PaymentsWorkerModule): readiness includes the queue workers.
  exports: [QueueHealthCheck],
})
export class PaymentsWorkerModule {}
