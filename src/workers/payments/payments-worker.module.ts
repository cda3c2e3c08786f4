// The payment jobs' handlers and the services only workers run (roles worker and all).
import { Module } from '@nestjs/common';
import { EventsModule } from '../../events/events.module';
import { IdempotencyModule } from '../../common/idempotency/idempotency.module';
import { MpesaModule } from '../../mpesa/mpesa.module';
import { QueuesModule } from '../../queues/queues.module';
import { ReferralsModule } from '../../referrals/referrals.module';
import { MetricsModule } from '../../observability/metrics/metrics.module';
import { PaymentsModule } from '../../payments/payments.module';
import { PaymentJobHandlers } from './payment-job.handlers';
import { PaymentSweeper } from '../../payments/processors/payment-sweeper.service';
import { ReconciliationService } from '../../payments/processors/reconciliation.service';
import { StkPushSender } from '../../payments/processors/stk-push.sender';
import { PaymentTransitions } from '../../payments/state/payment-transitions';

@Module({
  imports: [MetricsModule, EventsModule, PaymentsModule, ReferralsModule, MpesaModule, QueuesModule, IdempotencyModule],
  providers: [PaymentTransitions, StkPushSender, PaymentSweeper, ReconciliationService, PaymentJobHandlers],
})
export class PaymentsWorkerModule {}
