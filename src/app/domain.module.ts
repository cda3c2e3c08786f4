// The domain every process shares: referrals, payments, receipts, webhooks, reconciliation and the Daraja client. Providers only: a
// root adds the HTTP face (ApiHttpModule), the queue workers (WorkersModule), or both.
import { Module } from '@nestjs/common';
import { MpesaModule } from '../mpesa/mpesa.module';
import { PaymentsModule } from '../payments/payments.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { WebhooksModule } from '../webhooks/webhooks.module';

@Module({
  imports: [ReferralsModule, PaymentsModule, ReceiptsModule, MpesaModule, WebhooksModule, ReconciliationModule],
  exports: [ReferralsModule, PaymentsModule, ReceiptsModule, MpesaModule, WebhooksModule, ReconciliationModule],
})
export class DomainModule {}
