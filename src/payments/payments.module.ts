// Payments on the API side: starting them, callbacks, tracking queries; shared services the
// worker's processors use too.
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ReferralsModule } from '../referrals/referrals.module';
import { QueuesModule } from '../queues/queues.module';
import { CallbackApplicationService } from './callbacks/callback-application.service';
import { CallbackApplyQueue } from './callbacks/callback-apply.queue';
import { CallbackIngestionService } from './callbacks/callback-ingestion.service';
import { MpesaCallback } from './callbacks/mpesa-callback.entity';
import { StkCallbackController } from './callbacks/stk-callback.controller';
import { PaymentEventPublisher } from './events/payment-event.publisher';
import { PaymentEventStream } from './events/payment-event.stream';
import { PaymentEventsController } from './events/payment-events.controller';
import { PaymentEvent } from './payment-event.entity';
import { PaymentSettlementService } from './payment-settlement.service';
import { Payment } from './payment.entity';
import { PaymentsController, ReferralPaymentsController, StkPushController, UpdatePaymentStatusController } from './payments.controller';
import { PaymentAdminService } from './payment-admin.service';
import { PaymentStatsService } from './stats/payment-stats.service';
import { PaymentsService } from './payments.service';
import { PushDispatcher } from './push-dispatcher.service';
import { ReferralPaymentHooks } from './referral-payment.hooks';

@Module({
  imports: [TypeOrmModule.forFeature([Payment, PaymentEvent, MpesaCallback]), ReferralsModule, QueuesModule],
  // PaymentEventsController first: its fixed path must win over PaymentsController's GET :id.
  controllers: [PaymentEventsController, PaymentsController, ReferralPaymentsController, StkPushController, UpdatePaymentStatusController, StkCallbackController],
  providers: [
    PaymentsService,
    PaymentSettlementService,
    PushDispatcher,
    ReferralPaymentHooks,
    CallbackIngestionService,
    CallbackApplicationService,
    CallbackApplyQueue,
    PaymentAdminService,
    PaymentStatsService,
    PaymentEventPublisher,
    PaymentEventStream,
  ],
  exports: [PaymentsService, PaymentSettlementService, PushDispatcher, CallbackApplicationService, PaymentStatsService],
})
export class PaymentsModule {}
