// Payment processors and schedulers: providers of the worker only.
import { Module } from '@nestjs/common';
import { MpesaModule } from '../mpesa/mpesa.module';
import { QueuesModule } from '../queues/queues.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { PaymentsModule } from './payments.module';
import { PaymentSweepProcessor, PaymentSweepScheduler } from './processors/payment-sweep.processor';
import { PaymentSweeper } from './processors/payment-sweeper.service';
import { ReconcileProcessor, ReconcileScheduler } from './processors/reconcile.processor';
import { ReconciliationService } from './processors/reconciliation.service';
import { StkPushProcessor } from './processors/stk-push.processor';
import { StkPushSender } from './processors/stk-push.sender';

@Module({
  imports: [PaymentsModule, ReferralsModule, MpesaModule, QueuesModule],
  providers: [
    StkPushSender,
    StkPushProcessor,
    PaymentSweeper,
    PaymentSweepProcessor,
    PaymentSweepScheduler,
    ReconciliationService,
    ReconcileProcessor,
    ReconcileScheduler,
  ],
})
export class PaymentsWorkerModule {}
