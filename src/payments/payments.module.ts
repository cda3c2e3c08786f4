// Payments, the domain: starting them, storing and applying callbacks, settlement, admin rules,
// stats and the event stream. Receipts are their own folder (src/receipts): the callbacks record
// them in their own batch's transaction through pure functions from there, and ReceiptsModule
// (ReceiptsService) imports this module for the settlement, not the other way round.
// Providers only: the routes are in PaymentsHttpModule and the processors in PaymentsWorkerModule,
// so what a process serves is decided by its root module.
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ReferralsModule } from '../referrals/referrals.module';
import { QueuesModule } from '../queues/queues.module';
import { MetricsModule } from '../observability/metrics/metrics.module';
import { CallbackApplicationService } from './callbacks/callback-application.service';
import { CallbackApplyQueue } from './callbacks/callback-apply.queue';
import { CallbackIngestionService } from './callbacks/callback-ingestion.service';
import { MpesaCallback } from './callbacks/mpesa-callback.entity';
import { PaymentEventPublisher } from './events/payment-event.publisher';
import { PaymentEventStream } from './events/payment-event.stream';
import { PaymentEvent } from './payment-event.entity';
import { PaymentSettlementService } from './state/payment-settlement.service';
import { Payment } from './payment.entity';
import { PaymentAdminService } from './payment-admin.service';
import { PaymentStatsService } from './stats/payment-stats.service';
import { PaymentsService } from './payments.service';
import { PushDispatcher } from './push-dispatcher.service';
import { ReferralPaymentHooks } from './referral-payment.hooks';
import { CallbackStore } from './state/callback-store';

@Module({
  imports: [MetricsModule, EventsModule, TypeOrmModule.forFeature([Payment, PaymentEvent, MpesaCallback]), ReferralsModule, QueuesModule],
  providers: [
    PaymentsService,
    PaymentSettlementService,
    PushDispatcher,
    ReferralPaymentHooks,
    CallbackIngestionService,
    CallbackStore,
    CallbackApplicationService,
    CallbackApplyQueue,
    PaymentAdminService,
    PaymentStatsService,
    PaymentEventPublisher,
    PaymentEventStream,
  ],
  exports: [
    PaymentsService,
    PaymentSettlementService,
    PushDispatcher,
    CallbackIngestionService,
    CallbackStore,
    CallbackApplicationService,
    CallbackApplyQueue,
    PaymentAdminService,
    PaymentStatsService,
    PaymentEventStream,
  ],
})
export class PaymentsModule {}
